"""Imported by the agent's fork server (set_forkserver_preload): loads a throw-away two-layer Llama once, so that the
job children forked from the server inherit transformers' model-loading tables already built.

transformers 5 builds its checkpoint-conversion mapping and compiles ~900 regular expressions on the first
`from_pretrained` of a process (~1–1.5 s of CPU on the 2-core dev machine, more under load). Every job child is a
fresh fork of the server, so without this each job paid it again before its first step (bench/time-to-first-step.ts);
with it, the child's first load of the same model takes ~0.05 s. CPU only (the fork server must never touch CUDA);
a failure here only costs that time again.
"""

from __future__ import annotations

import logging
import tempfile

log = logging.getLogger(__name__)


def warm_up() -> None:
    try:
        from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

        config = LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2,
                             num_key_value_heads=1, vocab_size=64, max_position_embeddings=32)
        with tempfile.TemporaryDirectory(prefix="whetstone-warm-") as folder:
            LlamaForCausalLM(config).save_pretrained(folder)
            AutoModelForCausalLM.from_pretrained(folder)
    except Exception as err:  # noqa: BLE001 - an optimisation only
        log.warning("model-loading warm-up failed (jobs start ~1 s slower): %s", err)


warm_up()
