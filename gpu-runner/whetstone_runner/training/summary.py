"""What a finished train job reports: the summary of the `succeeded` event, and the config and metrics artifacts."""

from __future__ import annotations

from .. import __version__
from .callbacks import finite
from .trainer import TrainRun


def summarize(run: TrainRun, result, seconds: float) -> dict:
    state, tracker = run.trainer.state, run.tracker
    train_losses = [h["loss"] for h in state.log_history if "loss" in h]
    summary = {"steps": state.global_step, "epochs": float(state.epoch or 0), "train_runtime_seconds": seconds,
               "train_loss": float(result.training_loss), "tokens_seen": state.num_input_tokens_seen}
    if train_losses:
        summary["final_train_loss"] = float(train_losses[-1])
    if tracker.best_step >= 0:
        summary["best_step"] = tracker.best_step
        summary.update({("best_val_loss" if k == "val_loss" else k): v for k, v in tracker.best_metrics.items()})
    return finite(summary)


def resolved_config(payload: dict, cfg, run: TrainRun, prep) -> dict:
    """The config artifact: the payload, the typed config and the values derived from them."""
    return {"runnerVersion": __version__, "payload": payload, "config": cfg.to_dict(),
            "derived": {"totalSteps": run.total_steps, "stepsPerEpoch": run.steps_per_epoch,
                        "trainExamples": len(prep.train), "labels": prep.label2id, "resumedFrom": run.resume_step}}


def metrics_record(run: TrainRun, summary: dict) -> dict:
    """The metrics artifact: the summary, every evaluation and the training log."""
    return {"summary": summary, "evaluations": run.tracker.history,
            "train_log": [h for h in run.trainer.state.log_history if "loss" in h]}
