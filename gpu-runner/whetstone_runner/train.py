"""One training job, start to finish: load data → build model and method → train → save artifacts → report.

`run_job` runs inside the agent's child process (or directly, in tests). It wraps transformers' Trainer;
the callbacks below only observe (metrics, checkpoints to storage, best-model tracking, early stopping,
hand-back on SIGTERM). It returns a result dict or raises: `JobError` for failures that retrying cannot fix,
anything else for failures that a retry (resuming from the last checkpoint) may get past.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import __version__
from .config import JobError, TrainingConfig
from .data import (
    FORMATS_FOR_TECHNIQUE,
    IGNORE,
    Collator,
    ListDataset,
    mix,
    read_rows,
    split,
    to_messages,
    tokenize_classification,
    tokenize_sft,
    tokenize_texts,
)
from .events import make_event
from .modeling import check_method_supported, compute_dtype, load_model
from .schema import validate_payload
from .storage import Storage, sha256_file, upload_dir

log = logging.getLogger("whetstone_runner.train")
COMPLETE = "_COMPLETE"
BEST_STATE = "whetstone_state.json"
BEST_WEIGHTS = "whetstone_best.safetensors"


@dataclass
class JobContext:
    runner: str
    attempt: int
    emit: Callable[[dict], None]
    storage: Storage
    workdir: Path
    handback_requested: Callable[[], bool] = lambda: False
    after_train: Callable | None = None  # tests: called with (model, tokenizer) once the best weights are back
    fault: str | None = None  # tests: "oom" | "exit" | "slow:<seconds per step>" | "raise_after:<step>"


@dataclass
class Prepared:
    train: list[dict]
    val: dict[str, list[dict]]  # dataset name -> examples
    weights: dict[str, float]
    label2id: dict[str, int] | None = None
    dropped: int = 0


# ---- data -----------------------------------------------------------------------------------------

def _read_datasets(cfg: TrainingConfig, ctx: JobContext, say) -> list[list[dict]]:
    allowed = FORMATS_FOR_TECHNIQUE[cfg.technique]
    out = []
    for i, d in enumerate(cfg.datasets):
        if d.format not in allowed:
            raise JobError(f"datasets.{i}.format: technique {cfg.technique!r} trains on {sorted(allowed)}, "
                           f"dataset {d.name!r} is {d.format!r}")
        path = ctx.workdir / "data" / f"{i}.{d.container}"
        try:
            ctx.storage.download(d.key, path)
        except FileNotFoundError:
            raise JobError(f"datasets.{i}.key: no file in storage at {d.key!r}") from None
        if sha256_file(path) != d.sha256:
            say("warning", f"dataset {d.name!r}: sha256 differs from the payload's (file changed since upload?)")
        rows = read_rows(path, d.container, d.format, d.name)
        say("info", f"dataset {d.name!r}: {len(rows)} rows ({d.format}, {d.container})")
        out.append(rows)
    return out


def _tokenize(cfg: TrainingConfig, tokenizer, fmt: str, rows: list[dict], label2id) -> list[dict]:
    hp = cfg.hp
    if cfg.technique == "sft":
        items = [tokenize_sft(tokenizer, to_messages(r, fmt), hp.max_seq_length) for r in rows]
        return [x for x in items if any(lab != IGNORE for lab in x["labels"])]
    if cfg.technique == "continued_pretraining":
        return tokenize_texts(tokenizer, [str(r["text"]) for r in rows], hp.max_seq_length, hp.packing)
    return tokenize_classification(tokenizer, rows, label2id, hp.max_seq_length)


def prepare(cfg: TrainingConfig, tokenizer, raw: list[list[dict]], label2id) -> Prepared:
    hp = cfg.hp
    trains, vals, names, dropped = [], {}, [], 0
    for i, (d, rows) in enumerate(zip(cfg.datasets, raw, strict=False)):
        tr_rows, va_rows = split(rows, hp.validation_split, hp.seed + i)
        tr, va = _tokenize(cfg, tokenizer, d.format, tr_rows, label2id), _tokenize(cfg, tokenizer, d.format, va_rows, label2id)
        if cfg.technique == "sft":
            dropped += len(tr_rows) + len(va_rows) - len(tr) - len(va)
        if not tr:
            raise JobError(f"datasets.{i}: dataset {d.name!r} leaves no training example "
                           f"(maxSeqLength {hp.max_seq_length} cuts every answer?)")
        trains.append(tr)
        vals[d.name] = va
        names.append(d.name)
    weights = {d.name: d.weight for d in cfg.datasets}
    train = trains[0] if len(trains) == 1 else mix(trains, [weights[n] for n in names], hp.seed)[0]
    return Prepared(train=train, val={k: v for k, v in vals.items() if v}, weights=weights, label2id=label2id,
                    dropped=dropped)


# ---- callbacks ---------------------------------------------------------------------------------------

def _trainable_state(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().to("cpu", copy=True).contiguous() for n, p in model.named_parameters() if p.requires_grad}


@dataclass
class BestTracker:
    """Best validation loss so far, its weights, and the early-stopping counter; saved into every checkpoint."""

    patience: int
    best_loss: float = math.inf
    best_step: int = -1
    best_metrics: dict = field(default_factory=dict)
    bad_evals: int = 0
    history: list = field(default_factory=list)
    weights: dict | None = None
    last_eval_step: int = -1

    def update(self, step: int, metrics: dict, model) -> bool:
        """Record an evaluation; True when training should stop early."""
        self.last_eval_step = step
        self.history.append({"step": step, **metrics})
        loss = metrics["val_loss"]
        if loss < self.best_loss:
            self.best_loss, self.best_step, self.best_metrics, self.bad_evals = loss, step, dict(metrics), 0
            self.weights = _trainable_state(model)
            return False
        self.bad_evals += 1
        return self.patience > 0 and self.bad_evals >= self.patience

    def save(self, d: Path) -> None:
        from safetensors.torch import save_file

        state = {k: v for k, v in self.__dict__.items() if k != "weights"}
        state["best_loss"] = None if math.isinf(self.best_loss) else self.best_loss
        (d / BEST_STATE).write_text(json.dumps(state))
        if self.weights:
            save_file(self.weights, str(d / BEST_WEIGHTS))

    def load(self, d: Path) -> None:
        from safetensors.torch import load_file

        if not (d / BEST_STATE).exists():
            return
        state = json.loads((d / BEST_STATE).read_text())
        state["best_loss"] = math.inf if state["best_loss"] is None else state["best_loss"]
        self.__dict__.update(state)
        if (d / BEST_WEIGHTS).exists():
            self.weights = load_file(str(d / BEST_WEIGHTS))

    def restore(self, model) -> None:
        if not self.weights:
            return
        with torch.no_grad():
            for n, p in model.named_parameters():
                if n in self.weights:
                    p.copy_(self.weights[n].to(p.device, p.dtype))


def _make_callback(cfg: TrainingConfig, ctx: JobContext, ev, tracker: BestTracker,
                   prep: Prepared, model):
    from transformers import TrainerCallback

    multi = len(prep.val) > 1
    names = list(prep.val)

    class WhetstoneCallback(TrainerCallback):
        def __init__(self):
            self.t0 = time.monotonic()
            self.start_step = 0
            self.last_log = (time.monotonic(), 0)
            self.pending: dict[str, dict] = {}
            self.handing_back = False

        def on_train_begin(self, args, state, control, **kw):
            self.t0, self.start_step = time.monotonic(), state.global_step
            self.last_log = (time.monotonic(), state.num_input_tokens_seen)

        def on_step_end(self, args, state, control, **kw):
            if ctx.fault and ctx.fault.startswith("slow:"):
                time.sleep(float(ctx.fault.split(":")[1]))
            if ctx.fault and ctx.fault.startswith("raise_after:") and state.global_step > int(ctx.fault.split(":")[1]):
                raise RuntimeError(f"simulated crash at step {state.global_step}")
            if ctx.fault in ("oom", "exit") and state.global_step >= 1:
                if ctx.fault == "exit":
                    os._exit(3)
                raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (simulated)")
            if ctx.handback_requested() and not self.handing_back:
                self.handing_back = True
                control.should_save = True
                control.should_training_stop = True

        def on_log(self, args, state, control, logs=None, **kw):
            if not logs or "loss" not in logs:
                return
            now, tokens = time.monotonic(), state.num_input_tokens_seen
            dt = max(now - self.last_log[0], 1e-9)
            values = {"train_loss": float(logs["loss"]), "tokens_per_second": (tokens - self.last_log[1]) / dt}
            self.last_log = (now, tokens)
            if "learning_rate" in logs:
                values["learning_rate"] = float(logs["learning_rate"])
            if logs.get("grad_norm") is not None:
                values["grad_norm"] = float(logs["grad_norm"])
            if torch.cuda.is_available():
                values["gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
            done = state.global_step - self.start_step
            if done > 0:
                values["eta_seconds"] = (state.max_steps - state.global_step) * (now - self.t0) / done
            ctx.emit(ev("metric", step=state.global_step, epoch=float(state.epoch or 0), values=_finite(values)))

        def on_evaluate(self, args, state, control, metrics=None, **kw):
            metrics = metrics or {}
            if not multi:
                values = _eval_values(metrics, "eval_")
            else:
                idx = next((i for i, n in enumerate(names) if f"eval_{_slug(i)}_loss" in metrics), None)
                if idx is None:
                    return
                self.pending[names[idx]] = _eval_values(metrics, f"eval_{_slug(idx)}_")
                if len(self.pending) < len(names):
                    return
                values = {}
                for key in {k for m in self.pending.values() for k in m}:
                    per = {n: m[key] for n, m in self.pending.items() if key in m}
                    values[key] = sum(prep.weights[n] * v for n, v in per.items()) / sum(prep.weights[n] for n in per)
                    for n, v in per.items():
                        values[f"{key}:{n}"] = v
                self.pending = {}
            if "val_loss" not in values:
                return
            stop = tracker.update(state.global_step, values, model)
            ctx.emit(ev("metric", step=state.global_step, epoch=float(state.epoch or 0), values=_finite(values)))
            if stop and not control.should_training_stop:
                control.should_training_stop = True
                ctx.emit(ev("log", level="info", message=(
                    f"early stopping at step {state.global_step}: val_loss has not improved for {tracker.bad_evals} "
                    f"evaluations (best {tracker.best_loss:.4f} at step {tracker.best_step})")))

        def on_save(self, args, state, control, **kw):
            local = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if not local.is_dir():
                return
            tracker.save(local)
            prefix = f"{cfg.output_prefix}checkpoints/step-{state.global_step}/"
            files = upload_dir(ctx.storage, local, prefix)
            marker = local / COMPLETE
            marker.write_text(str(state.global_step))
            ctx.storage.upload(marker, prefix + COMPLETE)
            ctx.emit(ev("checkpoint", step=state.global_step, key=prefix,
                        bytes=sum(p.stat().st_size for _, p in files)))

    return WhetstoneCallback()


def _slug(i: int) -> str:
    return f"ds{i}"


def _eval_values(metrics: dict, prefix: str) -> dict:
    """`eval_loss` / `eval_ds0_accuracy` ... -> `val_loss` / `val_accuracy`."""
    return {"val_" + k[len(prefix):]: float(v) for k, v in metrics.items()
            if k.startswith(prefix) and k[len(prefix):] in ("loss", "accuracy", "f1_macro")}


def _finite(values: dict) -> dict:
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(float(v))}


def _classification_metrics(pred) -> dict:
    logits = pred.predictions[0] if isinstance(pred.predictions, tuple) else pred.predictions
    y_pred, y = np.argmax(logits, axis=-1), pred.label_ids
    f1s = []
    for c in np.unique(np.concatenate([y, y_pred])):
        tp = np.sum((y_pred == c) & (y == c))
        fp, fn = np.sum((y_pred == c) & (y != c)), np.sum((y_pred != c) & (y == c))
        f1s.append(0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn))
    return {"accuracy": float(np.mean(y_pred == y)), "f1_macro": float(np.mean(f1s))}


# ---- checkpoints in storage ------------------------------------------------------------------------------

def latest_checkpoint(storage: Storage, output_prefix: str) -> int | None:
    steps = [int(m.group(1)) for k in storage.list(output_prefix + "checkpoints/")
             if (m := re.search(r"checkpoints/step-(\d+)/" + COMPLETE + "$", k))]
    return max(steps) if steps else None


def _fetch_checkpoint(storage: Storage, output_prefix: str, step: int, dest: Path) -> Path:
    prefix = f"{output_prefix}checkpoints/step-{step}/"
    for key in storage.list(prefix):
        if not key.endswith(COMPLETE):
            storage.download(key, dest / key[len(prefix):])
    return dest


# ---- artifacts ---------------------------------------------------------------------------------------------

ARTIFACT_KINDS = {"adapter": "adapter", "tokenizer": "tokenizer", "model": "model", "merged": "merged_model"}


def save_artifacts(cfg: TrainingConfig, ctx: JobContext, model, tokenizer, loaded, resolved: dict,
                   metrics: dict) -> list[dict]:
    out_dir = ctx.workdir / "artifacts"
    peft = cfg.method in ("lora", "qlora")
    if peft:
        model.save_pretrained(out_dir / "adapter")
    else:
        model.save_pretrained(out_dir / "model")
    tokenizer.save_pretrained(out_dir / "tokenizer")
    (out_dir / "config.json").write_text(json.dumps(resolved, indent=2, default=str))
    (out_dir / "metrics.json").write_text(json.dumps(metrics, indent=2))
    if peft and cfg.hp.merge_weights:
        _save_merged(cfg, model, loaded, out_dir / "merged")
    artifacts = []
    for key, path in upload_dir(ctx.storage, out_dir, cfg.output_prefix + "artifacts/"):
        rel = path.relative_to(out_dir)
        kind = ARTIFACT_KINDS.get(rel.parts[0]) if len(rel.parts) > 1 else rel.stem  # config | metrics
        artifacts.append({"kind": kind, "name": path.name, "key": key, "bytes": path.stat().st_size,
                          "sha256": sha256_file(path)})
    return artifacts


def _save_merged(cfg: TrainingConfig, model, loaded, dest: Path) -> None:
    if cfg.method == "lora":
        merged = model.merge_and_unload()
    else:  # QLoRA: merge into a full-precision copy of the base, not into 4-bit weights
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

        cls = AutoModelForSequenceClassification if cfg.technique == "classification" else AutoModelForCausalLM
        base = cls.from_pretrained(loaded["weights"], dtype=compute_dtype(), **loaded.get("cls_kwargs", {}))
        model.save_pretrained(dest.parent / "_adapter_for_merge")
        merged = PeftModel.from_pretrained(base, dest.parent / "_adapter_for_merge").merge_and_unload()
    merged.save_pretrained(dest)


# ---- the job ---------------------------------------------------------------------------------------------

def run_job(payload: dict, ctx: JobContext) -> dict:
    errs = validate_payload(payload)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    cfg = TrainingConfig.from_payload(payload)
    hp = cfg.hp

    def ev(type_: str, **fields) -> dict:
        return make_event(type_, ctx.runner, jobId=cfg.job_id, attempt=ctx.attempt, **fields)

    def say(level: str, message: str) -> None:
        ctx.emit(ev("log", level=level, message=message))

    check_method_supported(cfg.method)  # QLoRA without CUDA fails here, before any download or load
    ctx.workdir.mkdir(parents=True, exist_ok=True)

    # load data → model and method
    raw = _read_datasets(cfg, ctx, say)
    label2id = None
    if cfg.technique == "classification":
        labels = sorted({str(r["label"]) for rows in raw for r in rows})
        if len(labels) < 2:
            raise JobError("datasets: classification needs at least two distinct labels")
        label2id = {lab: i for i, lab in enumerate(labels)}
    from transformers import PrinterCallback, Trainer, set_seed

    set_seed(hp.seed)
    model, tokenizer, loaded = load_model(cfg, ctx.storage, ctx.workdir, num_labels=len(label2id or {}) or None,
                                          id2label={i: lab for lab, i in (label2id or {}).items()} or None)
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    n_total = sum(p.numel() for p in model.parameters())
    say("info", f"model {cfg.base_model.name} ({cfg.method}): {n_trainable:,} of {n_total:,} parameters trainable "
                f"on {'cuda:' + torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu'}")
    prep = prepare(cfg, tokenizer, raw, label2id)
    if prep.dropped:
        say("warning", f"{prep.dropped} examples dropped: no answer token left within maxSeqLength {hp.max_seq_length}")
    say("info", f"{len(prep.train)} training examples, validation: "
                + ", ".join(f"{n}={len(v)}" for n, v in prep.val.items()))

    steps_per_epoch = max(1, math.ceil(len(prep.train) / (hp.batch_size * hp.gradient_accumulation_steps)))
    total_steps = steps_per_epoch * hp.epochs if hp.max_steps is None else min(steps_per_epoch * hp.epochs, hp.max_steps)
    args = _training_args(cfg, ctx, prep, total_steps, torch.cuda.is_available())
    collator = Collator(pad_id=tokenizer.pad_token_id)
    tracker = BestTracker(patience=hp.early_stopping_patience)
    eval_ds = ({_slug(i): ListDataset(v) for i, v in enumerate(prep.val.values())}  # same order as the callback's
               if len(prep.val) > 1 else (ListDataset(next(iter(prep.val.values()))) if prep.val else None))
    callback = _make_callback(cfg, ctx, ev, tracker, prep, model)
    trainer = Trainer(
        model=model, args=args, data_collator=collator, train_dataset=ListDataset(prep.train), eval_dataset=eval_ds,
        processing_class=tokenizer, callbacks=[callback],
        compute_metrics=_classification_metrics if cfg.technique == "classification" else None,
    )
    trainer.remove_callback(PrinterCallback)  # progress goes out as events, not to stdout

    # resume from the last checkpoint in storage (a retry after a crash, or a job handed back)
    resume_step = latest_checkpoint(ctx.storage, cfg.output_prefix)
    resume_dir = None
    if resume_step is not None:
        resume_dir = _fetch_checkpoint(ctx.storage, cfg.output_prefix, resume_step,
                                       Path(args.output_dir) / f"checkpoint-{resume_step}")
        tracker.load(resume_dir)
        say("info", f"resuming from checkpoint step-{resume_step}")

    if ctx.handback_requested():
        return {"status": "handed_back", "step": resume_step or 0}
    t0 = time.monotonic()
    result = trainer.train(resume_from_checkpoint=str(resume_dir) if resume_dir else None)
    train_seconds = time.monotonic() - t0
    step = trainer.state.global_step
    if callback.handing_back:
        return {"status": "handed_back", "step": step}
    if prep.val and tracker.last_eval_step != step:
        trainer.evaluate()
    if tracker.best_step >= 0 and tracker.best_step != step:
        tracker.restore(model)
        say("info", f"restored the best weights (step {tracker.best_step}, val_loss {tracker.best_loss:.4f})")
    model.eval()
    if ctx.after_train:
        ctx.after_train(model, tokenizer)

    # save → report
    train_losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    summary = {"steps": step, "epochs": float(trainer.state.epoch or 0), "train_runtime_seconds": train_seconds,
               "train_loss": float(result.training_loss), "tokens_seen": trainer.state.num_input_tokens_seen}
    if train_losses:
        summary["final_train_loss"] = float(train_losses[-1])
    if tracker.best_step >= 0:
        summary["best_step"] = tracker.best_step
        summary.update({("best_val_loss" if k == "val_loss" else k): v for k, v in tracker.best_metrics.items()})
    summary = _finite(summary)
    resolved = {"runnerVersion": __version__, "payload": payload, "config": cfg.to_dict(),
                "derived": {"totalSteps": total_steps, "stepsPerEpoch": steps_per_epoch,
                            "trainExamples": len(prep.train), "labels": label2id, "resumedFrom": resume_step}}
    metrics = {"summary": summary, "evaluations": tracker.history,
               "train_log": [h for h in trainer.state.log_history if "loss" in h]}
    artifacts = save_artifacts(cfg, ctx, model, tokenizer, loaded, resolved, metrics)
    return {"status": "succeeded", "artifacts": artifacts, "summary": summary}


def _training_args(cfg, ctx, prep, total_steps, cuda):
    from transformers import TrainingArguments

    hp = cfg.hp
    return TrainingArguments(
        output_dir=str(ctx.workdir / "trainer"),
        per_device_train_batch_size=hp.batch_size, per_device_eval_batch_size=hp.batch_size,
        gradient_accumulation_steps=hp.gradient_accumulation_steps, learning_rate=hp.learning_rate,
        weight_decay=hp.weight_decay, num_train_epochs=hp.epochs, max_steps=total_steps,
        warmup_steps=round(hp.warmup_ratio * total_steps), lr_scheduler_type="linear",
        logging_steps=hp.log_every_steps, eval_strategy="steps" if prep.val else "no", eval_steps=hp.eval_every_steps,
        save_strategy="steps", save_steps=hp.checkpoint_every_steps, save_total_limit=2,
        seed=hp.seed, data_seed=hp.seed, report_to="none", disable_tqdm=True, remove_unused_columns=False,
        use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(), dataloader_num_workers=0,
        gradient_checkpointing=cfg.method == "qlora", include_num_input_tokens_seen="non_padding",
    )
