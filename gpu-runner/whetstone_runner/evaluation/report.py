"""The evaluation report: several models' per-example predictions on one test split -> one JSON-serialisable dict.

The shape (version 1) is described in `whetstone_runner.evaluation`'s docstring.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from . import bootstrap as bs
from .metrics import (
    DEFAULT_ECE_BINS,
    classification_metrics,
    exact_match_per_example,
    generation_metrics,
    pretraining_metrics,
    resolve_labels,
    rouge_l_per_example,
    to_python,
)

REPORT_VERSION = 1
DEFAULT_MAX_FLIPS = 20


@dataclass(frozen=True)
class MetricInfo:
    label: str  # as written in sentences
    higher_is_better: bool


METRICS: dict[str, MetricInfo] = {
    "accuracy": MetricInfo("accuracy", True),
    "macro_f1": MetricInfo("macro-F1", True),
    "ece": MetricInfo("expected calibration error", False),
    "loss": MetricInfo("answer-token loss", False),
    "perplexity": MetricInfo("perplexity", False),
    "token_accuracy": MetricInfo("token accuracy", True),
    "exact_match": MetricInfo("exact match", True),
    "rouge_l": MetricInfo("ROUGE-L", True),
    "chrf": MetricInfo("chrF", True),
    "domain_perplexity": MetricInfo("domain perplexity", False),
    "general_perplexity": MetricInfo("general-text perplexity", False),
    # preference tuning (evaluation/preference.py): pairs whose preferred answer is the likelier one per token
    "preference_accuracy": MetricInfo("preference accuracy", True),
    "preference_margin": MetricInfo("log-likelihood margin (nats/token)", True),
}


# --- Inputs: one task per evaluation set, each holding every model's per-example outputs on it ---------------


@dataclass(frozen=True)
class ClassifierOutput:
    y_pred: Sequence
    probs: np.ndarray | Sequence[Sequence[float]] | None = None  # n x k, columns in the task's label order


@dataclass(frozen=True)
class ClassificationTask:
    y_true: Sequence
    models: Mapping[str, ClassifierOutput]
    name: str = "classification"
    labels: Sequence | None = None  # label order (the probability columns); default: every label seen, sorted
    inputs: Sequence[str] | None = None  # shown next to flips
    n_bins: int = DEFAULT_ECE_BINS
    primary_metric: str = "macro_f1"
    kind: ClassVar[str] = "classification"

    def primary(self) -> str:
        return self.primary_metric

    def label_order(self) -> list:
        return resolve_labels(self.y_true, *(o.y_pred for o in self.models.values()), labels=self.labels)

    def n(self) -> int:
        return len(self.y_true)

    def score(self, model: str) -> dict:
        out = self.models[model]
        return classification_metrics(self.y_true, out.y_pred, out.probs, self.label_order(), self.n_bins)

    def additives(self, model: str) -> dict[str, bs.Additive]:
        out, labels = self.models[model], self.label_order()
        metrics = {"accuracy": bs.mean_of(self.outcomes(model)), "macro_f1": bs.macro_f1_of(self.y_true, out.y_pred, labels)}
        if out.probs is not None:
            metrics["ece"] = bs.ece_of(self.y_true, out.probs, labels, self.n_bins)
        return metrics

    def outcomes(self, model: str) -> np.ndarray:
        y_pred = self.models[model].y_pred
        if len(y_pred) != len(self.y_true):
            raise ValueError(f"{self.name}: model {model!r} has {len(y_pred)} predictions for {len(self.y_true)} examples")
        return np.array([p == t for p, t in zip(y_pred, self.y_true, strict=True)])

    def shown(self, model: str, i: int):
        return to_python(self.models[model].y_pred[i])

    def reference(self, i: int):
        return to_python(self.y_true[i])


@dataclass(frozen=True)
class GeneratorOutput:
    nll_sums: Sequence[float]  # per example: summed NLL (nats) of the reference answer tokens
    token_counts: Sequence[int]  # per example: answer tokens
    correct_tokens: Sequence[int] | None = None  # per example: answer tokens the model's argmax got right
    generations: Sequence[str] | None = None  # per example: greedy generation


@dataclass(frozen=True)
class GenerationTask:
    models: Mapping[str, GeneratorOutput]
    references: Sequence[str] | None = None
    name: str = "sft"
    inputs: Sequence[str] | None = None
    rouge_threshold: float | None = None  # flips: "right" = ROUGE-L F >= this; None: "right" = exact match
    primary_metric: str | None = None  # default: rouge_l with generations, else loss
    kind: ClassVar[str] = "sft"

    def n(self) -> int:
        return len(next(iter(self.models.values())).nll_sums)

    def score(self, model: str) -> dict:
        o = self.models[model]
        refs = self.references if o.generations is not None else None
        return generation_metrics(o.nll_sums, o.token_counts, o.correct_tokens, o.generations, refs)

    def additives(self, model: str) -> dict[str, bs.Additive]:
        o = self.models[model]
        metrics = {
            "loss": bs.ratio_of(o.nll_sums, o.token_counts),
            "perplexity": bs.ratio_of(o.nll_sums, o.token_counts, exp=True),
        }
        if o.correct_tokens is not None:
            metrics["token_accuracy"] = bs.ratio_of(o.correct_tokens, o.token_counts)
        if o.generations is not None:
            metrics["exact_match"] = bs.mean_of(exact_match_per_example(o.generations, self.references))
            metrics["rouge_l"] = bs.mean_of(rouge_l_per_example(o.generations, self.references))
            metrics["chrf"] = bs.chrf_of(o.generations, self.references)
        return metrics

    def primary(self) -> str:
        if self.primary_metric:
            return self.primary_metric
        return "rouge_l" if all(o.generations is not None for o in self.models.values()) else "loss"

    def outcomes(self, model: str) -> np.ndarray | None:
        generations = self.models[model].generations
        if generations is None:
            return None
        if self.rouge_threshold is None:
            return exact_match_per_example(generations, self.references)
        return rouge_l_per_example(generations, self.references) >= self.rouge_threshold

    def shown(self, model: str, i: int) -> str:
        return self.models[model].generations[i]

    def reference(self, i: int) -> str:
        return self.references[i]


@dataclass(frozen=True)
class LanguageModelOutput:
    domain_nll_sums: Sequence[float]  # per held-out domain document: summed NLL (nats)
    domain_token_counts: Sequence[int]
    general_nll_sums: Sequence[float] | None = None  # per general-text document
    general_token_counts: Sequence[int] | None = None


@dataclass(frozen=True)
class PretrainingTask:
    models: Mapping[str, LanguageModelOutput]
    name: str = "continued_pretraining"
    primary_metric: str = "domain_perplexity"
    kind: ClassVar[str] = "continued_pretraining"

    def primary(self) -> str:
        return self.primary_metric

    def n(self) -> int:
        return len(next(iter(self.models.values())).domain_nll_sums)

    def score(self, model: str) -> dict:
        o = self.models[model]
        return pretraining_metrics(o.domain_nll_sums, o.domain_token_counts, o.general_nll_sums, o.general_token_counts)

    def additives(self, model: str) -> dict[str, bs.Additive]:
        # the domain and general sets are resampled separately (paired within each set)
        o = self.models[model]
        metrics = {"domain_perplexity": bs.ratio_of(o.domain_nll_sums, o.domain_token_counts, exp=True)}
        if o.general_nll_sums is not None:
            metrics["general_perplexity"] = bs.ratio_of(o.general_nll_sums, o.general_token_counts, exp=True)
        return metrics

    def outcomes(self, model: str) -> None:
        return None  # no right or wrong per document, so no flips


Task = ClassificationTask | GenerationTask | PretrainingTask


# --- The report --------------------------------------------------------------------------------------------------


def build_report(
    tasks: Task | Sequence[Task],
    base: str,
    *,
    n_resamples: int = bs.DEFAULT_RESAMPLES,
    seed: int = bs.DEFAULT_SEED,
    confidence: float = 0.95,
    max_flips: int = DEFAULT_MAX_FLIPS,
) -> dict:
    """Score every model on every task and compare each non-base model with `base` (see the package docstring).

    Every metric of a task is bootstrapped with the same seed, so within a task all metrics see the same resamples.
    """
    tasks = [tasks] if not isinstance(tasks, Sequence) else list(tasks)
    if not tasks:
        raise ValueError("no tasks")
    models = list(tasks[0].models)
    for task in tasks:
        if set(task.models) != set(models):
            raise ValueError(f"task {task.name!r} has models {sorted(task.models)}, expected {sorted(models)}")
    if len({task.name for task in tasks}) != len(tasks):
        raise ValueError("task names must be unique")
    if base not in models:
        raise ValueError(f"base {base!r} is not among the models {models}")
    candidates = [m for m in models if m != base]
    if not candidates:
        raise ValueError("need at least one model besides the base")

    task_entries = [
        {
            "name": task.name,
            "kind": task.kind,
            "examples": task.n(),
            "primaryMetric": task.primary(),
            "models": {m: task.score(m) for m in [base, *candidates]},
        }
        for task in tasks
    ]
    scores = {(t["name"], m): t["models"][m]["scores"] for t in task_entries for m in t["models"]}
    base_additives = {task.name: task.additives(base) for task in tasks}

    comparisons = []
    for cand in candidates:
        rows, flips = [], {}
        for task in tasks:
            cand_additives = task.additives(cand)
            for metric, base_additive in base_additives[task.name].items():
                if metric not in cand_additives:
                    continue  # e.g. probabilities for one model only: ECE is not compared
                boot = bs.paired_bootstrap(
                    base_additive, cand_additives[metric], n_resamples=n_resamples, seed=seed, confidence=confidence
                )
                rows.append(
                    _comparison(task.name, metric, scores[task.name, base][metric], scores[task.name, cand][metric], boot)
                )
            base_right, cand_right = task.outcomes(base), task.outcomes(cand)
            if base_right is not None and cand_right is not None:
                flips[task.name] = _flips(task, base, cand, base_right, cand_right, max_flips)
        subject = "the fine-tuned model" if len(candidates) == 1 else f"model '{cand}'"
        headline = " ".join(
            headline_sentence(subject, _row(rows, task.name, task.primary()), confidence, task.name if len(tasks) > 1 else None)
            for task in tasks
        )
        warnings = [_warning(cand, row, confidence) for row in rows if _worse(row)]
        comparisons.append({"model": cand, "headline": headline, "metrics": rows, "flips": flips, "warnings": warnings})

    return {
        "reportVersion": REPORT_VERSION,
        "technique": tasks[0].kind if len(tasks) == 1 else "multi_task",
        "base": base,
        "models": [base, *candidates],
        "bootstrap": {"method": "paired percentile", "resamples": n_resamples, "seed": seed, "confidence": confidence},
        "tasks": task_entries,
        "comparisons": comparisons,
        "headline": " ".join(c["headline"] for c in comparisons),
        "warnings": [w for c in comparisons for w in c["warnings"]],
    }


def _comparison(task: str, metric: str, base: float, candidate: float, boot: bs.PairedBootstrap) -> dict:
    info = METRICS[metric]
    if info.higher_is_better:
        better, significantly_worse, p_not_better = boot.ci_low > 0, boot.ci_high < 0, boot.fraction_le_zero
    else:
        better, significantly_worse, p_not_better = boot.ci_high < 0, boot.ci_low > 0, boot.fraction_ge_zero
    return {
        "task": task,
        "metric": metric,
        "label": info.label,
        "higherIsBetter": info.higher_is_better,
        "base": base,
        "candidate": candidate,
        "delta": candidate - base,
        "ciLow": boot.ci_low,
        "ciHigh": boot.ci_high,
        "fractionLeZero": boot.fraction_le_zero,
        "pNotBetter": p_not_better,
        "better": bool(better),
        "verdict": "better" if better else "significantly_worse" if significantly_worse else "not_significant",
    }


def _row(rows: list[dict], task: str, metric: str) -> dict:
    for row in rows:
        if row["task"] == task and row["metric"] == metric:
            return row
    raise ValueError(f"task {task!r}: primary metric {metric!r} was not compared (is it computed for every model?)")


def _worse(row: dict) -> bool:
    return row["delta"] < 0 if row["higherIsBetter"] else row["delta"] > 0


def _ci(row: dict, confidence: float) -> str:
    note = "" if row["higherIsBetter"] else "; lower is better"
    return f"{confidence * 100:g}% CI [{_num(row['ciLow'])}, {_num(row['ciHigh'])}]{note}"


def headline_sentence(subject: str, row: dict, confidence: float = 0.95, task: str | None = None) -> str:
    """One sentence on a comparison row: 'The fine-tuned model beats the base on macro-F1 by +0.31 (95% CI [0.25, 0.37]).'"""
    delta, ci, label = _num(row["delta"], sign=True), _ci(row, confidence), row["label"]
    if row["verdict"] == "better":
        text = f"{subject} beats the base on {label} by {delta} ({ci})."
    elif row["verdict"] == "significantly_worse":
        text = f"{subject} is significantly worse than the base on {label}, by {delta} ({ci})."
    else:
        text = f"{subject} is not significantly different from the base on {label} ({delta}, {ci})."
    if task is not None:
        text = f"on task '{task}', {text}"
    return text[0].upper() + text[1:]


def _warning(model: str, row: dict, confidence: float) -> dict:
    significant = row["verdict"] == "significantly_worse"
    wording = "significantly worse than the base" if significant else "worse than the base, though not significantly"
    values = f"{_num(row['base'])} -> {_num(row['candidate'])}, {_num(row['delta'], sign=True)}, {_ci(row, confidence)}"
    return {
        "model": model,
        "task": row["task"],
        "metric": row["metric"],
        "severity": "significantly worse" if significant else "worse, not significant",
        "message": f"{model} on task '{row['task']}': {row['label']} is {wording} ({values}).",
    }


def _flips(task: Task, base: str, cand: str, base_right: np.ndarray, cand_right: np.ndarray, cap: int) -> dict:
    """`gained`: the candidate is right and the base wrong; `lost`: the reverse. At most `cap` examples each, by index."""

    def side(mask: np.ndarray) -> dict:
        indices = np.flatnonzero(mask)
        examples = []
        for i in indices[:cap].tolist():
            example = {"index": i} | ({"input": task.inputs[i]} if task.inputs is not None else {})
            examples.append(
                example | {"reference": task.reference(i), "base": task.shown(base, i), "candidate": task.shown(cand, i)}
            )
        return {"count": int(len(indices)), "examples": examples}

    return {"gained": side(cand_right & ~base_right), "lost": side(base_right & ~cand_right)}


def _num(x: float, sign: bool = False) -> str:
    """Three significant digits: 0.31, 0.0123, 12.3, 1.23e+03."""
    return f"{x:+.3g}" if sign else f"{x:.3g}"
