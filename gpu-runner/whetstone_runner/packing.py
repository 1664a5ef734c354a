"""Document-isolated packing: several documents share one row of the batch, each with its own positions (0, 1, …) and
no attention across them, so a document's logits are the ones it gets alone.

The boundaries travel as `position_ids` that restart at 0 for every document (transformers' DataCollatorWithFlattening
writes them, and -100 as the label of each document's first token so no document predicts the next one's start).
transformers turns them into a block-diagonal causal mask for sdpa and eager (masking_utils.find_packed_sequence_indices)
— but only when the model gets no `attention_mask` and builds no cache, hence `use_cache=False` in every batch (with a
cache the positions are silently ignored and documents see each other). Flash attention takes the boundaries from the
`cu_seq_lens_*` / `max_length_*` kwargs every batch carries too (from position_ids it would read them only in a batch
of one row).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import DataCollatorWithFlattening
from transformers.modeling_flash_attention_utils import prepare_fa_kwargs_from_position_ids

from .data import IGNORE

_flatten = DataCollatorWithFlattening(return_position_ids=True, separator_id=IGNORE)


def documents(item: dict) -> list[dict]:
    """A packed example -> its documents (`doc_lens` gives their lengths; without it the example is one document)."""
    lens = item.get("doc_lens") or [len(item["input_ids"])]
    out, at = [], 0
    for n in lens:
        out.append({"input_ids": item["input_ids"][at:at + n], "labels": item["labels"][at:at + n]})
        at += n
    return out


def first_fit(items: list[dict], max_len: int) -> list[list[dict]]:
    """Rows -> packs of at most max_len tokens (first fit, longest row first); every row lands in exactly one pack."""
    packs: list[list[dict]] = []
    room: list[int] = []
    for item in sorted(items, key=lambda x: len(x["input_ids"]), reverse=True):
        n = len(item["input_ids"])
        k = next((i for i, r in enumerate(room) if r >= n), None)
        if k is None:
            packs.append([item])
            room.append(max_len - n)
        else:
            packs[k].append(item)
            room[k] -= n
    return packs


def least_padding(items: list[dict]) -> list[list[dict]]:
    """The batch's rows in packs no longer than its longest row: the padded batch's width at most, and at most its
    rows, so neither the tokens computed nor the attention work (rows x width^2) ever exceed the padded batch's."""
    return first_fit(items, max(len(x["input_ids"]) for x in items))


def collate_packs(packs: list[list[dict]], pad_id: int) -> dict:
    """One row per pack, right-padded to the widest; the padding is a document of its own with label -100."""
    rows = [_flatten(pack) for pack in packs]
    width = max(r["input_ids"].shape[1] for r in rows)
    out = {"input_ids": [], "labels": [], "position_ids": []}
    for r in rows:
        pad = width - r["input_ids"].shape[1]
        out["input_ids"].append(torch.nn.functional.pad(r["input_ids"], (0, pad), value=pad_id))
        out["labels"].append(torch.nn.functional.pad(r["labels"], (0, pad), value=IGNORE))
        out["position_ids"].append(torch.cat([r["position_ids"], torch.arange(pad).unsqueeze(0)], 1))
    batch = {k: torch.cat(v) for k, v in out.items()}
    # Flash attention reads boundaries from position_ids only in a single row; given these it runs every row's
    # documents (padding included) as varlen sequences. sdpa and eager ignore them and use the mask.
    (cu_q, cu_k), (max_q, max_k) = prepare_fa_kwargs_from_position_ids(batch["position_ids"])
    return {**batch, "cu_seq_lens_q": cu_q, "cu_seq_lens_k": cu_k, "max_length_q": int(max_q),
            "max_length_k": int(max_k), "use_cache": False}


@dataclass
class BlockCollator:
    """Continued pre-training: every example is one full block of documents (tokenize_texts with packing)."""

    pad_id: int

    def __call__(self, items: list[dict]) -> dict:
        return collate_packs([documents(x) for x in items], self.pad_id)


@dataclass
class RowPackingCollator:
    """Supervised fine-tuning without most of the padding: the batch's rows (the same rows as unpacked) share rows
    no longer than the longest of them; each keeps its own labels (prompt tokens -100)."""

    pad_id: int

    def __call__(self, items: list[dict]) -> dict:
        return collate_packs(least_padding(items), self.pad_id)
