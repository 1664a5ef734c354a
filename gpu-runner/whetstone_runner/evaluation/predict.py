"""Running a loaded model over an evaluation set: the interface every technique's evaluator fills in, and the
model calls they share (teacher-forced token NLL, greedy generation, batching, progress).

An `Evaluator` (one per technique, named by `Technique.evaluator`) has three parts:

    examples(rows, format, options) -> examples     the technique's view of the evaluation rows
    predict(loaded, examples, options, progress)    one model's per-example outputs on one evaluation set
    task(name, examples, outputs, options) -> Task  every model's outputs -> a task of `report.build_report`

The job loads one model at a time and runs it over every evaluation set, so only one model is in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from ..data import IGNORE


class HandBack(Exception):
    """Raised between batches when the runner asks for the job back (SIGTERM, disable)."""


@dataclass(frozen=True)
class Options:
    max_seq_length: int
    max_new_tokens: int
    batch_size: int = 8
    labels: tuple[str, ...] | None = None  # classification: every label of the datasets, sorted


Progress = Callable[[int], None]  # called with the number of examples just finished; may raise HandBack


@dataclass(frozen=True)
class Evaluator:
    examples: Callable[[list[dict], str, Options], list]
    predict: Callable[[object, list, Options, Progress], object]
    task: Callable[[str, list, dict, Options], object]


def batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def pad(seqs: Sequence[Sequence[int]], pad_id: int, left: bool = False, fill: int | None = None):
    """(ids, attention mask) of sequences padded to the longest; `fill` pads a second kind of row (labels)."""
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id if fill is None else fill, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for i, s in enumerate(seqs):
        if not s:
            continue
        sl = slice(width - len(s), width) if left else slice(0, len(s))
        ids[i, sl] = torch.tensor(list(s), dtype=torch.long)
        mask[i, sl] = 1
    return ids, mask


@torch.inference_mode()
def token_nll(model, tokenizer, items: Sequence[dict]) -> tuple[list[float], list[int], list[int]]:
    """Teacher-forced per item: (summed NLL in nats, scored tokens, tokens the argmax got right) over the positions
    whose label is not IGNORE; items are {"input_ids", "labels"} as the techniques tokenize them for training."""
    device = next(model.parameters()).device
    ids, mask = pad([x["input_ids"] for x in items], tokenizer.pad_token_id)
    labels, _ = pad([x["labels"] for x in items], tokenizer.pad_token_id, fill=IGNORE)
    logits = model(input_ids=ids.to(device), attention_mask=mask.to(device)).logits.float()
    logits, target = logits[:, :-1], labels[:, 1:].to(device)
    scored = target != IGNORE
    safe = target.clamp(min=0)
    nll = -torch.log_softmax(logits, dim=-1).gather(-1, safe.unsqueeze(-1)).squeeze(-1) * scored
    correct = (logits.argmax(-1) == safe) & scored
    return nll.sum(1).tolist(), scored.sum(1).tolist(), correct.sum(1).tolist()


def end_of_turn(tokenizer) -> str | None:
    """What the chat template writes after an assistant answer (e.g. '<|im_end|>'), or None without a template."""
    if not getattr(tokenizer, "chat_template", None):
        return None
    marker = "\x00ANSWER\x00"
    text = tokenizer.apply_chat_template([{"role": "user", "content": "q"}, {"role": "assistant", "content": marker}],
                                         tokenize=False)
    tail = text.split(marker, 1)[1].strip()
    return tail or None


@torch.inference_mode()
def generate(model, tokenizer, prompts: Sequence[list[int]], max_new_tokens: int) -> list[str]:
    """Greedy continuations of token-id prompts (left-padded), stopped at EOS or the chat template's end of turn."""
    device = next(model.parameters()).device
    stop = end_of_turn(tokenizer)
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    if stop:
        stop_ids = tokenizer(stop, add_special_tokens=False)["input_ids"]
        if len(stop_ids) == 1:
            eos.append(stop_ids[0])
    ids, mask = pad(prompts, tokenizer.pad_token_id, left=True)
    out = model.generate(input_ids=ids.to(device), attention_mask=mask.to(device), max_new_tokens=max_new_tokens,
                         do_sample=False, eos_token_id=eos or None, pad_token_id=tokenizer.pad_token_id)
    texts = tokenizer.batch_decode(out[:, ids.shape[1]:], skip_special_tokens=False)
    return [_clean(t, tokenizer, stop) for t in texts]


def _clean(text: str, tokenizer, stop: str | None) -> str:
    for marker in (stop, tokenizer.eos_token, tokenizer.pad_token):
        if marker and marker in text:
            text = text.split(marker, 1)[0]
    return text.strip()
