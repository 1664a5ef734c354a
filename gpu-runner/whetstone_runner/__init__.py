"""Whetstone GPU runner: a BullMQ worker that fine-tunes models with transformers + PEFT (+ TRL for DPO)."""

import os

__version__ = "0.1.0"

# A self-hosted runner sends nothing anywhere: TRL's trainers ping the Hugging Face Hub with usage telemetry when they
# are built unless this is set (huggingface_hub reads it once, at import, so it is set before anything imports it).
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
