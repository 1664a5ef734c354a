"""Whetstone GPU runner: a BullMQ worker that fine-tunes models with transformers + PEFT."""

__version__ = "0.1.0"
