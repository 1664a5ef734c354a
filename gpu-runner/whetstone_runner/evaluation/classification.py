"""Classification: a classifier with the dataset's label set answers with its head; any other model (a base causal
LM) is scored zero-shot: each label's log-likelihood as the continuation of a short prompt, softmaxed over the labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..config import JobError
from ..techniques.classification import tokenize_classification
from ..techniques.sft import render
from .predict import Evaluator, Options, Progress, batches, pad
from .report import ClassificationTask, ClassifierOutput

METHOD_HEAD = "classifier head"
METHOD_ZERO_SHOT = "zero-shot label likelihood"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Output(ClassifierOutput):
    method: str = METHOD_HEAD


def examples(rows: list[dict], fmt: str, options: Options) -> list[Example]:
    return [Example(text=str(r["text"]), label=str(r["label"])) for r in rows]


def predict(loaded, items: list[Example], options: Options, progress: Progress) -> Output:
    labels = list(options.labels)
    if loaded.is_classifier:
        own = sorted(loaded.id2label.values())
        if own != labels:
            raise JobError(f"model {loaded.name!r} classifies into {own}, the evaluation data has labels {labels}")
        probs = _head(loaded, items, labels, options, progress)
        method = METHOD_HEAD
    else:
        probs = _zero_shot(loaded, items, labels, options, progress)
        method = METHOD_ZERO_SHOT
    return Output(y_pred=[labels[i] for i in probs.argmax(1)], probs=probs, method=method)


def task(name: str, items: list[Example], outputs: dict[str, Output], options: Options) -> ClassificationTask:
    return ClassificationTask(y_true=[x.label for x in items], models=outputs, name=name, labels=list(options.labels),
                              inputs=[x.text for x in items])


def _head(loaded, items: list[Example], labels: list[str], options: Options, progress: Progress) -> np.ndarray:
    """Softmax of the head's logits, columns reordered to `labels` (tokenized as the train job does)."""
    model, tok = loaded.model, loaded.tokenizer
    label2id = {lab: i for i, lab in loaded.id2label.items()}
    column = [label2id[lab] for lab in labels]
    out = []
    for batch in batches(items, options.batch_size):
        enc = tokenize_classification(tok, [{"text": x.text, "label": x.label} for x in batch], label2id,
                                      options.max_seq_length)
        ids, mask = pad([e["input_ids"] for e in enc], tok.pad_token_id)
        with torch.inference_mode():
            logits = model(input_ids=ids.to(loaded.device), attention_mask=mask.to(loaded.device)).logits.float()
        out.append(torch.softmax(logits, -1)[:, column].cpu().numpy())
        progress(len(batch))
    return np.concatenate(out)


def zero_shot_prompt(tokenizer, text: str, labels: list[str]) -> str:
    """The prompt whose continuation is scored: the tokenizer's chat template when it has one."""
    question = f"Text: {text}\nAnswer with one of: {', '.join(labels)}."
    if getattr(tokenizer, "chat_template", None):
        return render(tokenizer, [{"role": "user", "content": question}], add_generation_prompt=True)
    return question + "\nLabel:"


def _zero_shot(loaded, items: list[Example], labels: list[str], options: Options, progress: Progress) -> np.ndarray:
    """Per example, log P(label | prompt) summed over the label's tokens for every label, softmaxed over the labels."""
    model, tok = loaded.model, loaded.tokenizer
    chat = bool(getattr(tok, "chat_template", None))
    conts = [tok(lab if chat else " " + lab, add_special_tokens=False)["input_ids"] for lab in labels]
    budget = max(8, options.max_seq_length - max(len(c) for c in conts))
    out = []
    per_batch = max(1, options.batch_size // len(labels)) if len(labels) < options.batch_size else 1
    for batch in batches(items, per_batch):
        seqs, starts = [], []
        for x in batch:
            prompt = tok(zero_shot_prompt(tok, x.text, labels), add_special_tokens=False)["input_ids"]
            prompt = prompt[-budget:] if len(prompt) > budget else prompt  # keep the question's end and the cue
            for c in conts:
                seqs.append(prompt + c)
                starts.append(len(prompt))
        ids, mask = pad(seqs, tok.pad_token_id)
        with torch.inference_mode():
            logp = torch.log_softmax(
                model(input_ids=ids.to(loaded.device), attention_mask=mask.to(loaded.device)).logits.float(), -1)
        scores = []
        for row, (seq, start) in enumerate(zip(seqs, starts, strict=True)):
            positions = torch.arange(start - 1, len(seq) - 1, device=logp.device)
            targets = torch.tensor(seq[start:], device=logp.device)
            scores.append(logp[row, positions, targets].sum().item())
        scores = torch.tensor(scores).view(len(batch), len(labels))
        out.append(torch.softmax(scores, -1).numpy())
        progress(len(batch))
    return np.concatenate(out)


EVALUATOR = Evaluator(examples=examples, predict=predict, task=task)
