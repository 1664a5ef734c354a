"""Reading, splitting and mixing the datasets of a job, and padding batches; the technique modules
(whetstone_runner/techniques/) turn rows into examples.

Rows arrive as JSONL, CSV or TSV (header row). The fields each format requires and the chat roles come from the
queue contract (the same table the upload parser in packages/core checks):
  chat               {"messages": [{"role", "content"}, ...]}
  prompt_completion  {"prompt", "completion"}
  alpaca             {"instruction", "input"?, "output"}
  text               {"text"}
  classification     {"text", "label"}
  preference         {"prompt"?, "chosen", "rejected"} or {"input": {"messages"}, "preferred_output", "non_preferred_output"}
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from . import contract
from .config import JobError

IGNORE = -100


def read_rows(path: Path, container: str, fmt: str, name: str) -> list[dict]:
    """All rows of one dataset file; a malformed row fails the job naming the dataset, line and field."""
    return [row for _line, row in read_numbered_rows(path, container, fmt, name)]


def read_numbered_rows(path: Path, container: str, fmt: str, name: str) -> list[tuple[int, dict]]:
    """(1-based line in the file, row) of every row, checked like read_rows."""
    rows: list = []
    with open(path, encoding="utf-8", newline="") as f:
        if container == "jsonl":
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    rows.append((line_no, json.loads(line)))
                except json.JSONDecodeError as err:
                    raise JobError(f"dataset {name!r} line {line_no}: invalid JSON ({err.msg})") from None
        else:
            reader = csv.DictReader(f, delimiter="\t" if container == "tsv" else ",")
            rows = [(i + 2, dict(r)) for i, r in enumerate(reader)]  # line 1 is the header
    out = []
    for line_no, row in rows:
        if not isinstance(row, dict):
            raise JobError(f"dataset {name!r} line {line_no}: expected an object")
        shapes = contract.required_field_shapes(fmt)
        # the shape whose fields the row has most of (the only one for most formats) names what is missing
        shape = max(shapes, key=lambda fields: sum(row.get(f) not in (None, "") for f in fields))
        for fld in shape:
            if row.get(fld) in (None, ""):
                raise JobError(f"dataset {name!r} line {line_no}: field {fld!r} is missing")
        if fmt == "chat":
            _check_messages(row["messages"], name, line_no)
        out.append((line_no, row))
    if not out:
        raise JobError(f"dataset {name!r} is empty")
    return out


def _check_messages(msgs, name: str, line_no: int) -> None:
    where = f"dataset {name!r} line {line_no}"
    if not isinstance(msgs, list) or not all(isinstance(m, dict) and "role" in m and "content" in m for m in msgs):
        raise JobError(f"{where}: field 'messages' must be a list of {{role, content}}")
    roles, must = contract.chat_roles(), contract.chat_must_have_role()
    for i, m in enumerate(msgs):
        if m["role"] not in roles:
            raise JobError(f"{where}: field 'messages[{i}].role' must be one of {sorted(roles)}, got {str(m['role'])[:40]!r}")
    if not any(m["role"] == must for m in msgs):
        raise JobError(f"{where}: field 'messages' has no {must} turn")


def is_generated(row: object) -> bool:
    """A row an `augment` job made: it carries its provenance (contract: the `augmentation` field)."""
    return isinstance(row, dict) and isinstance(row.get(contract.provenance_field()), dict)


def originals_and_generated(rows: list) -> tuple[list, list]:
    """(rows as uploaded, rows an augmentation generated), each in file order. Generated rows never enter a test or
    validation split: the splits are carved from the originals alone, so they are the same with or without them."""
    originals, generated = [], []
    for r in rows:
        (generated if is_generated(r) else originals).append(r)
    return originals, generated


def carve_test(rows: list, fraction: float, seed: int) -> tuple[list, list]:
    """The held-out test split of one dataset -> (test rows, the rest, in their original order).

    The rows are shuffled with `seed` and the first round(n × fraction) are the test split, leaving at least one
    row; no row when `fraction` is 0. The train job carves it before the validation split and the evaluate job
    carves it again from the same immutable dataset version: both sides pick identical rows.
    """
    if fraction <= 0 or not rows:
        return [], list(rows)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    test = order[:min(round(len(rows) * fraction), len(rows) - 1)]
    held = set(test)
    return [rows[i] for i in test], [r for i, r in enumerate(rows) if i not in held]


def split(rows: list, fraction: float, seed: int) -> tuple[list, list]:
    """Seeded hold-out of `fraction` of the rows (at least one row each side when there are two or more)."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_val = min(max(1, round(len(rows) * fraction)), len(rows) - 1) if len(rows) > 1 else 0
    return [rows[i] for i in order[n_val:]], [rows[i] for i in order[:n_val]]


def mix(parts: list[list], weights: list[float], seed: int) -> tuple[list, list[int]]:
    """Sample a training mix whose share of each part equals its weight share (to within one row).

    The mix has as many rows as all parts together; a part whose share exceeds its size is repeated (each
    row once before any row twice). Returns the mixed rows and the part index of every row.
    """
    total = sum(len(p) for p in parts)
    wsum = sum(weights)
    counts = [math.floor(total * w / wsum) for w in weights]
    # Largest remainders get the rows that flooring left over.
    for i in sorted(range(len(parts)), key=lambda i: -(total * weights[i] / wsum - counts[i]))[: total - sum(counts)]:
        counts[i] += 1
    rng = random.Random(seed)
    out: list[tuple[int, object]] = []
    for i, (part, n) in enumerate(zip(parts, counts, strict=False)):
        picked: list = []
        while len(picked) < n:
            order = list(range(len(part)))
            rng.shuffle(order)
            picked += [part[j] for j in order[: n - len(picked)]]
        out += [(i, r) for r in picked]
    rng.shuffle(out)
    return [r for _, r in out], [i for i, _ in out]


# ---- batches ---------------------------------------------------------------------------------------

class ListDataset(torch.utils.data.Dataset):
    def __init__(self, items: list[dict]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        return self.items[i]


@dataclass
class Collator:
    """Right-pads a batch; labels of padding are ignored by the loss."""

    pad_id: int

    def __call__(self, items: list[dict]) -> dict:
        width = max(len(x["input_ids"]) for x in items)
        ids = torch.full((len(items), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        seq_labels = isinstance(items[0]["labels"], list)
        labels = torch.full((len(items), width), IGNORE, dtype=torch.long) if seq_labels else None
        for i, x in enumerate(items):
            n = len(x["input_ids"])
            ids[i, :n] = torch.tensor(x["input_ids"])
            mask[i, :n] = 1
            if seq_labels:
                labels[i, :n] = torch.tensor(x["labels"])
        if not seq_labels:
            labels = torch.tensor([x["labels"] for x in items], dtype=torch.long)
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}
