"""Continued pre-training: raw domain text, next-token prediction, optionally packed into full blocks in which every
document stays isolated (its own positions, no attention to the others: see packing.py)."""

from __future__ import annotations

from bisect import bisect_right
from itertools import pairwise

from ..config import Hyperparameters
from ..packing import BlockCollator
from .technique import Technique, pad_collator


def tokenize_texts(tokenizer, texts: list[str], max_len: int, packing: bool) -> list[dict]:
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    seqs = [tokenizer(t, add_special_tokens=False)["input_ids"] + eos for t in texts]
    if not packing:
        return [{"input_ids": s[:max_len], "labels": s[:max_len]} for s in seqs]
    stream, starts = [], []  # all documents end to end; where each one starts
    for s in seqs:
        starts.append(len(stream))
        stream += s
    n = max(1, len(stream) // max_len)
    out = []
    for lo in range(0, n * max_len, max_len):
        block = stream[lo:lo + max_len]
        if not block:
            continue
        # the documents (or their pieces) inside the block: cut at every start that falls inside it
        hi = lo + len(block)
        cuts = [lo, *starts[bisect_right(starts, lo):bisect_right(starts, hi - 1)], hi]
        out.append({"input_ids": block, "labels": block, "doc_lens": [b - a for a, b in pairwise(cuts)]})
    return out


def tokenize(tokenizer, fmt: str, rows: list[dict], hp: Hyperparameters, label2id) -> tuple[list[dict], int]:
    return tokenize_texts(tokenizer, [str(r["text"]) for r in rows], hp.max_seq_length, hp.packing), 0


def collator(tokenizer, hp: Hyperparameters):
    return BlockCollator(pad_id=tokenizer.pad_token_id) if hp.packing else pad_collator(tokenizer, hp)


TECHNIQUE = Technique(name="continued_pretraining", tokenize=tokenize, collator=collator,
                      evaluator="whetstone_runner.evaluation.pretraining.EVALUATOR")
