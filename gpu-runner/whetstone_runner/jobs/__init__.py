"""Job kinds this runner handles: one handler module per kind behind this dispatch table. Adding a kind (augment
next) is a new module with a `run_<kind>_job(payload, ctx) -> dict` and one entry here; the kind
must be in the queue contract (a test checks)."""

from __future__ import annotations

from collections.abc import Callable

from ..config import JobError
from . import augment, evaluate, generate, merge, score, simulate, train
from .context import JobContext, Reporter

HANDLERS: dict[str, Callable[[dict, JobContext], dict]] = {
    train.KIND: train.run_train_job,
    evaluate.KIND: evaluate.run_evaluate_job,
    generate.KIND: generate.run_generate_job,
    score.KIND: score.run_score_job,
    simulate.KIND: simulate.run_simulate_job,
    augment.KIND: augment.run_augment_job,
    merge.KIND: merge.run_merge_job,
}

__all__ = ["HANDLERS", "JobContext", "Reporter", "run_job", "unhandled_kind_message"]


def unhandled_kind_message(kind: object) -> str:
    return f"unknown job kind {kind!r}: this runner handles {', '.join(repr(k) for k in HANDLERS)}"


def run_job(payload: dict, ctx: JobContext) -> dict:
    """Run one job with the handler of its `kind`."""
    kind = payload.get("kind") if isinstance(payload, dict) else None
    if kind not in HANDLERS:
        raise JobError(unhandled_kind_message(kind))
    return HANDLERS[kind](payload, ctx)
