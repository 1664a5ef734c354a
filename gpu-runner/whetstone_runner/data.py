"""Reading, formatting, tokenizing, splitting and mixing the datasets of a job.

Rows arrive as JSONL, CSV or TSV (header row). Formats (packages/core dataset-format.ts):
  chat               {"messages": [{"role", "content"}, ...]}
  prompt_completion  {"prompt", "completion"}
  alpaca             {"instruction", "input"?, "output"}
  text               {"text"}
  classification     {"text", "label"}
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import JobError

FORMATS_FOR_TECHNIQUE = {
    "sft": {"chat", "prompt_completion", "alpaca"},
    "continued_pretraining": {"text"},
    "classification": {"classification"},
}
REQUIRED_FIELDS = {
    "chat": ("messages",), "prompt_completion": ("prompt", "completion"), "alpaca": ("instruction", "output"),
    "text": ("text",), "classification": ("text", "label"),
}
IGNORE = -100


def read_rows(path: Path, container: str, fmt: str, name: str) -> list[dict]:
    """All rows of one dataset file; a malformed row fails the job naming the dataset, line and field."""
    rows: list[dict] = []
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
        for fld in REQUIRED_FIELDS[fmt]:
            if row.get(fld) in (None, ""):
                raise JobError(f"dataset {name!r} line {line_no}: field {fld!r} is missing")
        if fmt == "chat":
            msgs = row["messages"]
            if not isinstance(msgs, list) or not all(isinstance(m, dict) and "role" in m and "content" in m for m in msgs):
                raise JobError(f"dataset {name!r} line {line_no}: field 'messages' must be a list of {{role, content}}")
            if not any(m["role"] == "assistant" for m in msgs):
                raise JobError(f"dataset {name!r} line {line_no}: field 'messages' has no assistant turn")
        out.append(row)
    if not out:
        raise JobError(f"dataset {name!r} is empty")
    return out


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


# ---- SFT ---------------------------------------------------------------------------------------------

def to_messages(row: dict, fmt: str) -> list[dict]:
    if fmt == "chat":
        return [{"role": m["role"], "content": str(m["content"])} for m in row["messages"]]
    if fmt == "prompt_completion":
        return [{"role": "user", "content": str(row["prompt"])}, {"role": "assistant", "content": str(row["completion"])}]
    instruction = str(row["instruction"])
    if row.get("input"):
        instruction += "\n\n" + str(row["input"])
    return [{"role": "user", "content": instruction}, {"role": "assistant", "content": str(row["output"])}]


def _render_plain(messages: list[dict], add_generation_prompt: bool) -> str:
    """Fallback when the tokenizer has no chat template."""
    text = "".join(f"### {m['role'].capitalize()}:\n{m['content']}\n\n" for m in messages)
    return text + ("### Assistant:\n" if add_generation_prompt else "")


def render(tokenizer, messages: list[dict], add_generation_prompt: bool = False) -> str:
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt)
    return _render_plain(messages, add_generation_prompt)


def tokenize_sft(tokenizer, messages: list[dict], max_len: int) -> dict:
    """Token ids of the rendered conversation with labels on the assistant turns only."""
    text = render(tokenizer, messages)
    spans = []  # character spans of assistant answers
    for k, m in enumerate(messages):
        if m["role"] == "assistant":
            start = len(render(tokenizer, messages[:k], add_generation_prompt=True))
            end = len(render(tokenizer, messages[: k + 1]))
            spans.append((start, end))
    has_template = bool(getattr(tokenizer, "chat_template", None))
    if not has_template and tokenizer.eos_token:
        text += tokenizer.eos_token
        spans[-1] = (spans[-1][0], len(text))
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, labels = [], []
    for tok, (s, _e) in zip(enc["input_ids"], enc["offset_mapping"], strict=False):
        ids.append(tok)
        labels.append(tok if any(a <= s < b for a, b in spans) else IGNORE)
    return {"input_ids": ids[:max_len], "labels": labels[:max_len]}


# ---- continued pre-training ----------------------------------------------------------------------

def tokenize_texts(tokenizer, texts: list[str], max_len: int, packing: bool) -> list[dict]:
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    seqs = [tokenizer(t, add_special_tokens=False)["input_ids"] + eos for t in texts]
    if not packing:
        return [{"input_ids": s[:max_len], "labels": s[:max_len]} for s in seqs]
    stream = [t for s in seqs for t in s]
    n = max(1, len(stream) // max_len)
    blocks = [stream[i * max_len:(i + 1) * max_len] for i in range(n)]
    return [{"input_ids": b, "labels": b} for b in blocks if b]


# ---- classification ------------------------------------------------------------------------------

def tokenize_classification(tokenizer, rows: list[dict], label2id: dict[str, int], max_len: int) -> list[dict]:
    out = []
    for r in rows:
        ids = tokenizer(str(r["text"]), add_special_tokens=False)["input_ids"][:max_len]
        out.append({"input_ids": ids, "labels": label2id[str(r["label"])]})
    return out


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
