"""Classification: a classifier with the dataset's label set answers with its head; any other model (a base causal
LM) is scored zero-shot: each label's mean per-token log-likelihood as the continuation of a short prompt, softmaxed
over the labels. Both read the same part of a long text: its first maxSeqLength tokens.
"""

from __future__ import annotations

import copy
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
        if not set(own) <= set(labels):
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
    """Softmax of the head's logits, columns reordered to `labels` (tokenized as the train job does). A label of the
    evaluation's label space the head does not have (another model's, declared by its job) gets probability 0."""
    model, tok = loaded.model, loaded.tokenizer
    label2id = {lab: i for i, lab in loaded.id2label.items()}
    n = len(label2id)
    column = [label2id.get(lab, n) for lab in labels]
    out = []
    for batch in batches(items, options.batch_size):
        enc = tokenize_classification(tok, [{"text": x.text, "label": x.label} for x in batch], label2id,
                                      options.max_seq_length)
        ids, mask = pad([e["input_ids"] for e in enc], tok.pad_token_id)
        with torch.inference_mode():
            logits = model(input_ids=ids.to(loaded.device), attention_mask=mask.to(loaded.device)).logits.float()
        probs = torch.nn.functional.pad(torch.softmax(logits, -1), (0, 1))  # column n: a label the head lacks
        out.append(probs[:, column].cpu().numpy())
        progress(len(batch))
    return np.concatenate(out)


def zero_shot_prompt(tokenizer, text: str, labels: list[str]) -> str:
    """The prompt whose continuation is scored: the tokenizer's chat template when it has one."""
    question = f"Text: {text}\nAnswer with one of: {', '.join(labels)}."
    if getattr(tokenizer, "chat_template", None):
        return render(tokenizer, [{"role": "user", "content": question}], add_generation_prompt=True)
    return question + "\nLabel:"


def _zero_shot(loaded, items: list[Example], labels: list[str], options: Options, progress: Progress) -> np.ndarray:
    """Per example, log P(label | prompt) per label token (a sum would favour labels of fewer tokens), for every
    label, softmaxed over the labels. The text is cut to its first maxSeqLength tokens, as the classifier head reads it.

    The prompt runs once per example (left-padded, its KV cache kept); each label's tokens after the first then run on
    a copy of that cache, so k labels cost one prompt pass plus k short continuations."""
    model, tok = loaded.model, loaded.tokenizer
    chat = bool(getattr(tok, "chat_template", None))
    conts = [tok(lab if chat else " " + lab, add_special_tokens=False)["input_ids"] for lab in labels]
    out = []
    for batch in batches(items, options.batch_size):
        prompts = [tok(zero_shot_prompt(tok, _first_tokens(tok, x.text, options.max_seq_length), labels),
                       add_special_tokens=False)["input_ids"] for x in batch]
        ids, mask = (t.to(loaded.device) for t in pad(prompts, tok.pad_token_id, left=True))
        with torch.inference_mode():
            first = model(input_ids=ids, attention_mask=mask, position_ids=(mask.cumsum(-1) - 1).clamp(min=0),
                          use_cache=True)
            last = torch.log_softmax(first.logits[:, -1].float(), -1)
            scores = torch.stack([_continuation(model, first.past_key_values, last, mask, c) / len(c) for c in conts], 1)
        out.append(torch.softmax(scores, -1).cpu().numpy())
        progress(len(batch))
    return np.concatenate(out)


def _first_tokens(tok, text: str, n: int) -> str:
    ids = tok(text, add_special_tokens=False)["input_ids"]
    return text if len(ids) <= n else tok.decode(ids[:n])


def _continuation(model, cache, last: torch.Tensor, mask: torch.Tensor, cont: list[int]) -> torch.Tensor:
    """Summed log-probability of the tokens `cont` after each prompt of the batch (batch-sized vector)."""
    score = last[:, cont[0]]
    if len(cont) == 1:
        return score
    n, rows = len(cont) - 1, mask.shape[0]
    ids = torch.tensor([cont[:-1]] * rows, device=mask.device)
    positions = mask.sum(1, keepdim=True) + torch.arange(n, device=mask.device)
    step = model(input_ids=ids, attention_mask=torch.cat([mask, torch.ones_like(ids)], 1), position_ids=positions,
                 past_key_values=copy.deepcopy(cache), use_cache=True)
    logp = torch.log_softmax(step.logits.float(), -1)
    targets = torch.tensor(cont[1:], device=mask.device).expand(rows, n)
    return score + logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1).sum(1)


EVALUATOR = Evaluator(examples=examples, predict=predict, task=task)
