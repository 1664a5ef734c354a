"""Supervised fine-tuning: every row becomes a conversation; the loss is on the assistant tokens only."""

from __future__ import annotations

from ..config import Hyperparameters
from ..data import IGNORE
from ..packing import RowPackingCollator
from .technique import Technique, pad_collator


def _chat(row: dict) -> list[dict]:
    return [{"role": m["role"], "content": str(m["content"])} for m in row["messages"]]


def _prompt_completion(row: dict) -> list[dict]:
    return [{"role": "user", "content": str(row["prompt"])}, {"role": "assistant", "content": str(row["completion"])}]


def _alpaca(row: dict) -> list[dict]:
    instruction = str(row["instruction"])
    if row.get("input"):
        instruction += "\n\n" + str(row["input"])
    return [{"role": "user", "content": instruction}, {"role": "assistant", "content": str(row["output"])}]


# dataset format -> conversation (the keys are the contract's formats for sft; a test holds them equal)
TO_MESSAGES = {"chat": _chat, "prompt_completion": _prompt_completion, "alpaca": _alpaca}


def to_messages(row: dict, fmt: str) -> list[dict]:
    return TO_MESSAGES[fmt](row)


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


def tokenize(tokenizer, fmt: str, rows: list[dict], hp: Hyperparameters, label2id) -> tuple[list[dict], int]:
    """Examples with at least one answer token left within maxSeqLength; the others are dropped and counted."""
    items = [tokenize_sft(tokenizer, to_messages(r, fmt), hp.max_seq_length) for r in rows]
    kept = [x for x in items if any(lab != IGNORE for lab in x["labels"])]
    return kept, len(items) - len(kept)


def packs(hp: Hyperparameters) -> bool:
    """Padding-free batches: on with `packing`, except with NEFTune, whose noise scale is set by the row width."""
    return hp.packing and hp.neftune_noise_alpha is None


def collator(tokenizer, hp: Hyperparameters):
    """The batch's rows padded to the longest, or packed into rows no longer than it; either way the same rows per
    step and, within float error, the same loss."""
    return RowPackingCollator(tokenizer.pad_token_id) if packs(hp) else pad_collator(tokenizer, hp)


TECHNIQUE = Technique(name="sft", tokenize=tokenize, collator=collator, drop_reason="no answer token left within maxSeqLength",
                      evaluator="whetstone_runner.evaluation.sft.EVALUATOR")
