"""The `train` job: one fine-tuning run, start to finish, with the technique the payload names.

It runs inside the agent's child process (or directly, in tests), wraps the technique's trainer (transformers'
Trainer, or TRL's DPOTrainer) and returns a result dict or raises: `JobError` for failures that retrying cannot fix, anything else
for failures that a retry (resuming from the last checkpoint) may get past.
"""

from __future__ import annotations

import time

import torch

from .. import techniques
from ..config import JobError, TrainingConfig
from ..modeling import check_method_supported, load_model
from ..schema import validate_payload
from ..training.artifacts import save_artifacts
from ..training.datasets import prepare, read_datasets
from ..training.summary import metrics_record, resolved_config, summarize
from ..training.trainer import build_trainer, restore_best, resume, train
from .context import JobContext, Reporter

KIND = "train"


def run_train_job(payload: dict, ctx: JobContext) -> dict:
    """load data → model → prepare → trainer → train → restore best → save → report."""
    cfg = parse_config(payload)
    technique, report = techniques.get(cfg.technique), Reporter(ctx, cfg.job_id)
    check_method_supported(cfg.method)  # QLoRA without CUDA fails here, before any download or load
    ctx.workdir.mkdir(parents=True, exist_ok=True)

    raw = read_datasets(cfg, technique, ctx, report.say)
    val_raw = read_datasets(cfg, technique, ctx, report.say, "validationDatasets")
    label2id = technique.labels(raw, cfg.labels)
    model, tokenizer, loaded = _load_model(cfg, technique, label2id, ctx, report)
    prep = prepare(cfg, technique, tokenizer, raw, label2id, report.say, val_raw)
    run = build_trainer(cfg, ctx, report, technique, model, tokenizer, prep)
    resume(run, cfg, ctx, report)
    if ctx.handback_requested():
        return {"status": "handed_back", "step": run.resume_step or 0}

    t0 = time.monotonic()
    result = train(run)
    seconds = time.monotonic() - t0
    if run.callback.handing_back:
        return {"status": "handed_back", "step": run.trainer.state.global_step}
    restore_best(run, bool(prep.val), report, model)
    technique.before_save(model)
    if ctx.after_train:
        ctx.after_train(model, tokenizer)

    if not ctx.main:  # another process of a distributed job: the main one saves and reports
        return {"status": "succeeded"}
    summary = summarize(run, result, seconds)
    artifacts = save_artifacts(cfg, ctx, model, tokenizer, loaded, resolved_config(payload, cfg, run, prep),
                               metrics_record(run, summary))
    return {"status": "succeeded", "artifacts": artifacts, "summary": summary}


def parse_config(payload: dict) -> TrainingConfig:
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    return TrainingConfig.from_payload(payload)


def _load_model(cfg: TrainingConfig, technique, label2id, ctx: JobContext, report: Reporter):
    from transformers import set_seed

    set_seed(cfg.hp.seed)
    model, tokenizer, loaded = load_model(cfg, technique, label2id, ctx.storage, ctx.workdir)
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_total = sum(p.numel() for p in model.parameters())
    device = "cuda:" + torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    report.say("info", f"model {cfg.base_model.name} ({cfg.method}): {n_trainable:,} of {n_total:,} parameters "
                       f"trainable on {device}")
    return model, tokenizer, loaded
