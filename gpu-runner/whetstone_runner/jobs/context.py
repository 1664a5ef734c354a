"""What a job handler gets from the child process (or a test): where to report, store and work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..events import make_event
from ..storage import Storage


@dataclass
class JobContext:
    runner: str
    attempt: int
    emit: Callable[[dict], None]
    storage: Storage
    workdir: Path
    handback_requested: Callable[[], bool] = lambda: False
    # False in the processes of a distributed job other than the main one: they train, and report and store nothing.
    main: bool = True
    after_train: Callable | None = None  # tests: called with (model, tokenizer) once the best weights are back
    fault: str | None = None  # tests: "oom" | "exit" | "slow:<seconds per step>" | "raise_after:<step>"


@dataclass
class Reporter:
    """Events of one job: every one carries the runner, the job id, the attempt and, when set, the job kind (the events
    schema reads a missing kind as `train`, so train events may leave it out)."""

    ctx: JobContext
    job_id: str
    kind: str | None = None

    def event(self, type_: str, **fields) -> dict:
        kind = {"kind": self.kind} if self.kind is not None else {}
        return make_event(type_, self.ctx.runner, jobId=self.job_id, attempt=self.ctx.attempt, **kind, **fields)

    def emit(self, type_: str, **fields) -> None:
        self.ctx.emit(self.event(type_, **fields))

    def say(self, level: str, message: str) -> None:
        self.emit("log", level=level, message=message)
