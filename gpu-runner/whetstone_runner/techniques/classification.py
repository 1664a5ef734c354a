"""Classification: a sequence-classification head with one class per declared label (the payload's `labels`, in that
order) or, without declared labels, per distinct label of the data (sorted); accuracy and macro-F1."""

from __future__ import annotations

import numpy as np

from ..config import Hyperparameters, JobError
from .technique import Technique


def label_ids(raw: list[list[dict]], declared: tuple[str, ...] | None = None) -> dict[str, int]:
    """label -> class id: the declared labels in their order (every data label must be one of them; a declared label
    the data lacks still gets its class, as in an early active-learning round), else the data's labels sorted."""
    if declared is None:
        labels = sorted({str(r["label"]) for rows in raw for r in rows})
        if len(labels) < 2:
            raise JobError("datasets: classification needs at least two distinct labels")
        return {lab: i for i, lab in enumerate(labels)}
    if len(set(declared)) != len(declared):
        raise JobError(f"labels: declared twice: {sorted({x for x in declared if declared.count(x) > 1})}")
    label2id = {lab: i for i, lab in enumerate(declared)}
    for i, rows in enumerate(raw):
        for j, r in enumerate(rows):
            if str(r["label"]) not in label2id:
                raise JobError(f"datasets.{i}: row {j} has label {str(r['label'])!r}, which is not one of the declared "
                               f"labels ({', '.join(declared)})")
    return label2id


def model_kwargs(label2id: dict[str, int], tokenizer) -> dict:
    return {"num_labels": len(label2id), "id2label": {i: lab for lab, i in label2id.items()}, "label2id": dict(label2id),
            "pad_token_id": tokenizer.pad_token_id}


def tokenize_classification(tokenizer, rows: list[dict], label2id: dict[str, int], max_len: int) -> list[dict]:
    out = []
    for r in rows:
        ids = tokenizer(str(r["text"]), add_special_tokens=False)["input_ids"][:max_len]
        out.append({"input_ids": ids, "labels": label2id[str(r["label"])]})
    return out


def tokenize(tokenizer, fmt: str, rows: list[dict], hp: Hyperparameters, label2id) -> tuple[list[dict], int]:
    return tokenize_classification(tokenizer, rows, label2id, hp.max_seq_length), 0


def compute_metrics(pred) -> dict:
    logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
    y_pred, y = np.argmax(logits, axis=-1), pred.label_ids
    f1s = []
    for c in np.unique(np.concatenate([y, y_pred])):
        tp = np.sum((y_pred == c) & (y == c))
        fp, fn = np.sum((y_pred == c) & (y != c)), np.sum((y_pred != c) & (y == c))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return {"accuracy": float(np.mean(y_pred == y)), "f1_macro": float(np.mean(f1s))}


TECHNIQUE = Technique(
    name="classification", tokenize=tokenize, model_class="transformers.AutoModelForSequenceClassification",
    peft_task_type="SEQ_CLS", labels=label_ids, model_kwargs=model_kwargs, compute_metrics=compute_metrics,
    metric_names=("accuracy", "f1_macro"),
    evaluator="whetstone_runner.evaluation.classification.EVALUATOR",
)
