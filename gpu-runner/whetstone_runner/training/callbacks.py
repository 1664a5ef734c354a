"""The Trainer callback of a train job. It observes and reports; it trains nothing: metrics out as events, evaluations
into the best-model tracker (and early stopping), checkpoints into storage, a hand-back on SIGTERM, test faults."""

from __future__ import annotations

import math
import os
import signal
import time
from pathlib import Path

import torch

from ..distributed import agree
from .best import BestTracker
from .checkpoints import save_checkpoint


def eval_slug(i: int) -> str:
    """Name of the i-th validation set in Trainer's metric keys (`eval_ds0_loss`)."""
    return f"ds{i}"


def eval_values(metrics: dict, prefix: str, names: tuple[str, ...], log_names: dict[str, str] | None = None) -> dict:
    """`eval_loss` / `eval_ds0_accuracy` ... -> `val_loss` / `val_accuracy`, for the metric names given; a trainer's
    own key is first renamed by `log_names` (`eval_rewards/accuracies` -> `val_reward_accuracy`)."""
    log_names = log_names or {}
    out = {}
    for k, v in metrics.items():
        if not k.startswith(prefix):
            continue
        name = log_names.get(k[len(prefix):], k[len(prefix):])
        if name in names:
            out["val_" + name] = float(v)
    return out


def finite(values: dict) -> dict:
    return {k: float(v) for k, v in values.items() if v is not None and math.isfinite(float(v))}


def _inject_fault(fault: str | None, step: int, attempt: int = 1) -> None:
    """Test hook (WHETSTONE_TEST_FAULTS): slow steps, a crash after a step, a simulated CUDA OOM, a dying process, and
    `kill_rank:<rank>:<step>`: that process of a distributed job SIGKILLs itself at that step, on the first attempt."""
    if not fault:
        return
    if fault.startswith("kill_rank:"):
        _, who, at = fault.split(":")
        if attempt == 1 and step >= int(at) and int(os.environ.get("RANK", "0")) == int(who):
            os.kill(os.getpid(), signal.SIGKILL)
    if fault.startswith("slow:"):
        time.sleep(float(fault.split(":")[1]))
    if fault.startswith("raise_after:") and step > int(fault.split(":")[1]):
        raise RuntimeError(f"simulated crash at step {step}")
    if fault in ("oom", "exit") and step >= 1:
        if fault == "exit":
            os._exit(3)
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB (simulated)")


def make_callback(cfg, ctx, report, tracker: BestTracker, val_weights: dict[str, float], metric_names: tuple[str, ...],
                  model, log_names: dict[str, str] | None = None):
    """val_weights: validation set name -> dataset weight, in the order of the eval datasets; log_names: the trainer's
    own log keys -> metric names (reported as val_<name> and, from training logs, train_<name>)."""
    from transformers import TrainerCallback

    names = list(val_weights)
    multi = len(names) > 1
    wanted = ("loss", *metric_names)
    log_names = log_names or {}

    class ProgressCallback(TrainerCallback):
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
            _inject_fault(ctx.fault, state.global_step, ctx.attempt)
            # the processes of a distributed job stop at the same step (any one asked: all stop)
            if agree(ctx.handback_requested()) and not self.handing_back:
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
            for key, name in log_names.items():
                if logs.get(key) is not None:
                    values[f"train_{name}"] = float(logs[key])
            if torch.cuda.is_available():
                values["gpu_memory_mb"] = torch.cuda.max_memory_allocated() / 2**20
            done = state.global_step - self.start_step
            if done > 0:
                values["eta_seconds"] = (state.max_steps - state.global_step) * (now - self.t0) / done
            report.emit("metric", step=state.global_step, epoch=float(state.epoch or 0), values=finite(values))

        def on_evaluate(self, args, state, control, metrics=None, **kw):
            values = self._values(metrics or {})
            if values is None or "val_loss" not in values:
                return
            stop = tracker.update(state.global_step, values, model)
            report.emit("metric", step=state.global_step, epoch=float(state.epoch or 0), values=finite(values))
            if stop and not control.should_training_stop:
                control.should_training_stop = True
                report.say("info", f"early stopping at step {state.global_step}: val_loss has not improved for "
                                   f"{tracker.bad_evals} evaluations (best {tracker.best_loss:.4f} at step {tracker.best_step})")

        def _values(self, metrics: dict) -> dict | None:
            """One evaluation's values; with several validation sets, None until each has reported, then their
            weighted mean plus `<metric>:<dataset name>` for each."""
            if not multi:
                return eval_values(metrics, "eval_", wanted, log_names)
            idx = next((i for i, n in enumerate(names) if f"eval_{eval_slug(i)}_loss" in metrics), None)
            if idx is None:
                return None
            self.pending[names[idx]] = eval_values(metrics, f"eval_{eval_slug(idx)}_", wanted, log_names)
            if len(self.pending) < len(names):
                return None
            values = {}
            for key in {k for m in self.pending.values() for k in m}:
                per = {n: m[key] for n, m in self.pending.items() if key in m}
                values[key] = sum(val_weights[n] * v for n, v in per.items()) / sum(val_weights[n] for n in per)
                for n, v in per.items():
                    values[f"{key}:{n}"] = v
            self.pending = {}
            return values

        def on_save(self, args, state, control, **kw):
            local = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if not local.is_dir() or not ctx.main:  # the main process uploads, the others hold the same weights
                return
            tracker.save(local)
            prefix, size, files = save_checkpoint(ctx.storage, local, cfg.output_prefix, state.global_step)
            report.emit("checkpoint", step=state.global_step, key=prefix, bytes=size, files=files)

    return ProgressCallback()
