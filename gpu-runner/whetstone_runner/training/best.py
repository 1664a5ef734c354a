"""The best evaluation so far: its validation loss, its trainable weights and the early-stopping counter."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch

BEST_STATE = "whetstone_state.json"
BEST_WEIGHTS = "whetstone_best.safetensors"


def trainable_state(model) -> dict[str, torch.Tensor]:
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
            self.weights = trainable_state(model)
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
