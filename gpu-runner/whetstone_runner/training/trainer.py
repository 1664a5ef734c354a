"""The technique's trainer (transformers' Trainer, or TRL's DPOTrainer for preference tuning), set up for a train
job: arguments from the hyperparameters, the evaluation sets, the progress callback, and resuming from the newest
checkpoint in storage."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import torch

from ..data import ListDataset
from ..distributed import per_process_batch, strategy_args
from ..techniques.technique import Technique, load_class
from .best import BestTracker
from .callbacks import eval_slug, make_callback
from .checkpoints import fetch_verified_checkpoint
from .datasets import Prepared


@dataclass
class TrainRun:
    trainer: object
    callback: object
    tracker: BestTracker
    steps_per_epoch: int
    total_steps: int
    resume_step: int | None = None
    resume_dir: Path | None = None


def plan_steps(hp, n_train: int) -> tuple[int, int]:
    """-> (optimizer steps per epoch, total steps: epochs, capped by maxSteps)."""
    per_epoch = max(1, math.ceil(n_train / (hp.batch_size * hp.gradient_accumulation_steps)))
    total = per_epoch * hp.epochs if hp.max_steps is None else min(per_epoch * hp.epochs, hp.max_steps)
    return per_epoch, total


def checkpointing_args(config_class, on: bool) -> dict:
    """Gradient checkpointing as the job says, non-reentrant: with PEFT's frozen base, gradients still reach the
    adapters (transformers also turns on the input embeddings' requires_grad). transformers 5 calls the argument
    activation_checkpointing (gradient_checkpointing stays as a deprecated alias); older versions only know the alias."""
    key = "activation_checkpointing" if "activation_checkpointing" in {f.name for f in fields(config_class)} \
        else "gradient_checkpointing"
    return {key: on, f"{key}_kwargs": {"use_reentrant": False} if on else None}


def training_args(cfg, workdir: Path, has_val: bool, total_steps: int, cuda: bool,
                  technique: Technique | None = None):
    """The technique's arguments class (TrainingArguments, or a subclass such as TRL's DPOConfig) from the
    hyperparameters, plus the arguments only that class has."""
    hp = cfg.hp
    config_class = load_class(technique.config_class if technique else "transformers.TrainingArguments")
    extra = technique.config_kwargs(hp) if technique else {}
    common = dict(
        output_dir=str(workdir / "trainer"),
        # batchSize is the global batch: each process of a distributed job takes its share (distributed.py)
        per_device_train_batch_size=per_process_batch(hp.batch_size, cfg.processes),
        per_device_eval_batch_size=per_process_batch(hp.batch_size, cfg.processes),
        gradient_accumulation_steps=hp.gradient_accumulation_steps, learning_rate=hp.learning_rate,
        weight_decay=hp.weight_decay, num_train_epochs=hp.epochs, max_steps=total_steps,
        warmup_steps=round(hp.warmup_ratio * total_steps), lr_scheduler_type="linear",
        logging_steps=hp.log_every_steps, eval_strategy="steps" if has_val else "no", eval_steps=hp.eval_every_steps,
        save_strategy="steps", save_steps=hp.checkpoint_every_steps, save_total_limit=2,
        seed=hp.seed, data_seed=hp.seed, report_to="none", disable_tqdm=True, remove_unused_columns=False,
        use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(), dataloader_num_workers=0,
        **checkpointing_args(config_class, cfg.gradient_checkpointing), include_num_input_tokens_seen="non_padding",
        # NEFTune through the trainer's own support (noise on the input embeddings while training); SFT only.
        neftune_noise_alpha=hp.neftune_noise_alpha if cfg.technique == "sft" else None,
        **strategy_args(cfg.strategy, cfg.processes, cuda),
    )
    return config_class(**{**common, **extra})  # the technique's own arguments win


def eval_datasets(prep: Prepared, dataset=None):
    """One validation set, or one per dataset (named as the callback reads them) for a multi-task job; `dataset` turns
    examples into what the trainer takes (the technique's `dataset`)."""
    dataset = dataset or ListDataset
    if len(prep.val) > 1:
        return {eval_slug(i): dataset(v) for i, v in enumerate(prep.val.values())}
    return dataset(next(iter(prep.val.values()))) if prep.val else None


def say_strategy(cfg, report, fsdp_enabled: bool) -> None:
    """What the job's processes really run: accelerate shards with FSDP only on GPU backends, so an FSDP job started
    on CPU processes (gloo) trains with DDP — each process holds the whole model — and says so."""
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if cfg.strategy == "fsdp" and not fsdp_enabled:
        report.say("warning", f"FSDP asked for, but accelerate shards only on GPUs: {cfg.processes} processes train "
                              f"with DDP over {backend}, each holding the whole model")
    else:
        report.say("info", f"{cfg.processes} processes, {'FSDP' if fsdp_enabled else 'DDP'} over {backend}")


def build_trainer(cfg, ctx, report, technique: Technique, model, tokenizer, prep: Prepared) -> TrainRun:
    from transformers import PrinterCallback

    steps_per_epoch, total_steps = plan_steps(cfg.hp, len(prep.train))
    args = training_args(cfg, ctx.workdir, bool(prep.val), total_steps, torch.cuda.is_available(), technique)
    tracker = BestTracker(patience=cfg.hp.early_stopping_patience)
    callback = make_callback(cfg, ctx, report, tracker, {n: prep.weights[n] for n in prep.val},
                             technique.metric_names, model, technique.log_names)
    trainer = load_class(technique.trainer_class)(
        model=model, args=args, data_collator=technique.collator(tokenizer, cfg.hp), train_dataset=technique.dataset(prep.train),
        eval_dataset=eval_datasets(prep, technique.dataset), processing_class=tokenizer, callbacks=[callback],
        compute_metrics=technique.compute_metrics, **technique.trainer_kwargs(model),
    )
    trainer.remove_callback(PrinterCallback)  # progress goes out as events, not to stdout
    if cfg.processes > 1:
        say_strategy(cfg, report, getattr(trainer, "is_fsdp_enabled", False))
    if cfg.gradient_checkpointing:
        report.say("info", "gradient checkpointing on: activations recomputed in the backward pass (less memory, slower)")
    elif cfg.method == "qlora":  # prepare_model_for_kbit_training turned it on; the job said off
        (getattr(model, "activation_checkpointing_disable", None) or model.gradient_checkpointing_disable)()
    return TrainRun(trainer, callback, tracker, steps_per_epoch, total_steps)


def resume(run: TrainRun, cfg, ctx, report) -> None:
    """Fetch the newest complete checkpoint from storage that verifies against its manifest, if any (a retry after a
    crash, or a job handed back); a damaged newer one is skipped with a warning in the job's events."""
    found = fetch_verified_checkpoint(ctx.storage, cfg.output_prefix,
                                      lambda step: Path(run.trainer.args.output_dir) / f"checkpoint-{step}", report.say)
    if found is None:
        return
    run.resume_step, run.resume_dir = found
    run.tracker.load(run.resume_dir)
    report.say("info", f"resuming from checkpoint step-{run.resume_step}")


def train(run: TrainRun) -> object:
    return run.trainer.train(resume_from_checkpoint=str(run.resume_dir) if run.resume_dir else None)


def restore_best(run: TrainRun, has_val: bool, report, model) -> None:
    """Evaluate the last step if it was not, then put back the best evaluation's weights."""
    step, tracker = run.trainer.state.global_step, run.tracker
    if has_val and tracker.last_eval_step != step:
        run.trainer.evaluate()
    if tracker.best_step >= 0 and tracker.best_step != step:
        tracker.restore(model)
        report.say("info", f"restored the best weights (step {tracker.best_step}, val_loss {tracker.best_loss:.4f})")
    model.eval()
