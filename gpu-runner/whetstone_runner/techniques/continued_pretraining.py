"""Continued pre-training: raw domain text, next-token prediction, optionally packed into full blocks."""

from __future__ import annotations

from ..config import Hyperparameters
from .technique import Technique


def tokenize_texts(tokenizer, texts: list[str], max_len: int, packing: bool) -> list[dict]:
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    seqs = [tokenizer(t, add_special_tokens=False)["input_ids"] + eos for t in texts]
    if not packing:
        return [{"input_ids": s[:max_len], "labels": s[:max_len]} for s in seqs]
    stream = [t for s in seqs for t in s]
    n = max(1, len(stream) // max_len)
    blocks = [stream[i * max_len:(i + 1) * max_len] for i in range(n)]
    return [{"input_ids": b, "labels": b} for b in blocks if b]


def tokenize(tokenizer, fmt: str, rows: list[dict], hp: Hyperparameters, label2id) -> tuple[list[dict], int]:
    return tokenize_texts(tokenizer, [str(r["text"]) for r in rows], hp.max_seq_length, hp.packing), 0


TECHNIQUE = Technique(name="continued_pretraining", tokenize=tokenize,
                      evaluator="whetstone_runner.evaluation.pretraining.EVALUATOR")
