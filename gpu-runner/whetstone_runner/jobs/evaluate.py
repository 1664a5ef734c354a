"""The `evaluate` job (decision 0007): a reference model (the first, usually a fine-tune's base) and up to seven others
scored on one evaluation set, compared with paired bootstrap confidence intervals, written as one report.

read datasets → carve the evaluation rows (a train job's test split, or every row) → sample at most maxExamples →
per model: load it, run the technique's evaluator over every dataset, free it → build the report → store it.
Every event it emits carries `kind: "evaluate"`.
"""

from __future__ import annotations

import gc
import hashlib
import json
import random
import time

import torch

from .. import contract, techniques
from ..config import EvaluationConfig, JobError
from ..data import carve_test, originals_and_generated
from ..evaluation.predict import Evaluator, HandBack, Options
from ..evaluation.report import build_report
from ..loading import declared_labels, load_for_inference
from ..schema import validate_payload
from ..techniques.technique import load_class
from ..training.datasets import read_datasets
from .context import JobContext, Reporter

KIND = "evaluate"
PROGRESS_EVERY_BATCHES = 4


def run_evaluate_job(payload: dict, ctx: JobContext) -> dict:
    cfg = parse_config(payload)
    technique, report = techniques.get(cfg.technique), Reporter(ctx, cfg.job_id, kind=KIND)
    evaluator: Evaluator = load_class(technique.evaluator)
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()

    raw = read_datasets(cfg, technique, ctx, report.say)
    labels = technique.labels(raw)
    if labels:
        # The label space: the data's labels and every label a classifier under evaluation was declared with.
        labels = set(labels).union(*(declared_labels(m.ref, ctx.storage, ctx.workdir) or () for m in cfg.models))
    options = Options(max_seq_length=cfg.max_seq_length, max_new_tokens=cfg.max_new_tokens,
                      labels=tuple(sorted(labels)) if labels else None)
    sets = {d.name: evaluator.examples(rows, d.format, options)
            for d, rows in zip(cfg.datasets, evaluation_rows(cfg, raw, report.say), strict=True)}
    labels_of = model_labels(cfg)
    progress = _Progress(report, ctx, total=len(cfg.models) * sum(len(x) for x in sets.values()))

    outputs: dict[str, dict[str, object]] = {name: {} for name in sets}
    try:
        for m, label in zip(cfg.models, labels_of, strict=True):
            loaded = load_for_inference(m.ref, ctx.storage, ctx.workdir / "models")
            report.say("info", f"model {label!r}: {'adapter on ' if loaded.is_adapter else ''}"
                               f"{'classifier' if loaded.is_classifier else 'language model'}, on {loaded.device}")
            for name, items in sets.items():
                outputs[name][label] = evaluator.predict(loaded, items, options, progress)
            del loaded
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
    except HandBack:
        return {"status": "handed_back"}
    progress.flush()

    tasks = [evaluator.task(name, items, outputs[name], options) for name, items in sets.items()]
    result = build_report(tasks, base=labels_of[0], n_resamples=cfg.bootstrap_resamples, seed=cfg.seed)
    result["evaluation"] = {
        "id": cfg.job_id,
        "split": {"kind": cfg.split_kind, "fraction": cfg.split_fraction, "seed": cfg.split_seed},
        "datasets": [{"name": d.name, "rows": len(rows), "examples": len(sets[d.name])}
                     for d, rows in zip(cfg.datasets, raw, strict=True)],
        "modelIds": {label: m.model_id for m, label in zip(cfg.models, labels_of, strict=True)},
        "methods": {name: {label: out.method for label, out in outs.items() if hasattr(out, "method")}
                    for name, outs in outputs.items()},
    }
    report.say("info", result["headline"])
    artifact = store_report(cfg, ctx, result)
    return {"status": "succeeded", "artifacts": [artifact], "summary": summarize(result, time.monotonic() - t0)}


def parse_config(payload: dict) -> EvaluationConfig:
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    return EvaluationConfig.from_payload(payload)


def model_labels(cfg: EvaluationConfig) -> list[str]:
    """The models' names in the report: their labels, with the model id added where two labels are the same."""
    seen = [m.label for m in cfg.models]
    return [m.label if seen.count(m.label) == 1 else f"{m.label} ({m.model_id})" for m in cfg.models]


def evaluation_rows(cfg: EvaluationConfig, raw: list[list[dict]], say) -> list[list[dict]]:
    """Per dataset i: the test split a train job with testSplit = split.fraction and seed = split.seed held out
    (carve_test with seed + i, the same call), or every row; then at most maxExamples of them (seeded)."""
    out = []
    for i, (d, rows) in enumerate(zip(cfg.datasets, raw, strict=True)):
        if cfg.split_kind == "test":
            if cfg.split_fraction <= 0:
                raise JobError("split.fraction: 0 means no test split was held out; evaluate on every row "
                               "(split.kind 'all') instead")
            # The same carve as the train job's: generated (augmented) rows are never in a test split.
            rows = carve_test(originals_and_generated(rows)[0], cfg.split_fraction, cfg.split_seed + i)[0]
            if not rows:
                raise JobError(f"datasets.{i}: the test split of dataset {d.name!r} is empty "
                               f"({len(raw[i])} rows × {cfg.split_fraction} rounds to 0)")
        if len(rows) > cfg.max_examples:
            keep = sorted(random.Random(cfg.seed + i).sample(range(len(rows)), cfg.max_examples))
            rows = [rows[k] for k in keep]
        say("info", f"dataset {d.name!r}: {len(rows)} evaluation examples ({cfg.split_kind} split)")
        out.append(rows)
    return out


def store_report(cfg: EvaluationConfig, ctx: JobContext, result: dict) -> dict:
    key = contract.storage_key("evaluationReport", outputPrefix=cfg.output_prefix)
    name = key.rsplit("/", 1)[-1]
    path = ctx.workdir / name
    data = json.dumps(result, indent=2, allow_nan=False, default=_json_default).encode("utf-8")
    path.write_bytes(data)
    ctx.storage.upload(path, key)
    return {"kind": "eval_report", "name": name, "key": key, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def summarize(result: dict, seconds: float) -> dict:
    """Numbers for the `succeeded` event: examples, the candidates better / significantly worse on every task's
    primary metric, and the first candidate's primary-metric delta and CI on the first task."""
    primary = {(t["name"], t["primaryMetric"]) for t in result["tasks"]}
    rows = [[r for r in c["metrics"] if (r["task"], r["metric"]) in primary] for c in result["comparisons"]]
    first = rows[0][0]
    return {
        "examples": sum(t["examples"] for t in result["tasks"]),
        "models": len(result["models"]),
        "candidatesBetter": sum(all(r["verdict"] == "better" for r in rs) for rs in rows),
        "candidatesWorse": sum(any(r["verdict"] == "significantly_worse" for r in rs) for rs in rows),
        "primaryBase": first["base"], "primaryCandidate": first["candidate"], "primaryDelta": first["delta"],
        "primaryCiLow": first["ciLow"], "primaryCiHigh": first["ciHigh"],
        "seconds": round(seconds, 3),
    }


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class _Progress:
    """`examples_done` of `examples_total` (every model × every evaluation example) as a metric event every few
    batches; between batches, a hand-back request stops the job."""

    def __init__(self, report: Reporter, ctx: JobContext, total: int):
        self.report, self.ctx, self.total = report, ctx, total
        self.done, self.batches = 0, 0

    def __call__(self, n: int) -> None:
        self.done += n
        self.batches += 1
        if self.batches % PROGRESS_EVERY_BATCHES == 0:
            self.flush()
        if self.ctx.handback_requested():
            self.report.say("info", f"handing back after {self.done} of {self.total} examples")
            raise HandBack

    def flush(self) -> None:
        self.report.emit("metric", step=self.batches, epoch=0,
                         values={"examples_done": self.done, "examples_total": self.total})
