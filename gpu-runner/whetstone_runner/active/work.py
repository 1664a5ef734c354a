"""Rows through the model in batches, with progress events and saved chunks (progress.ChunkStore), shared by the
`score` and `simulate` jobs.

Between batches a hand-back request (SIGTERM, disable) saves what is done and stops the job; a retry continues from
the saved chunks. Tests interrupt a job with the context's fault `raise_after:<rows>`, which fails it the way a crash
would: rows scored since the last saved chunk are lost and scored again by the retry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from ..evaluation.predict import HandBack
from .progress import ChunkStore

if TYPE_CHECKING:
    from ..jobs.context import JobContext, Reporter

BATCH_SIZE = 8
SAVE_EVERY_ROWS = 1024
SAVE_EVERY_SECONDS = 60.0
PROGRESS_EVERY_BATCHES = 4


class Progress:
    """`<done_key>` of `<total_key>` as a metric event every few batches and on flush."""

    def __init__(self, report: Reporter, done_key: str, total_key: str, total: int):
        self.report, self.done_key, self.total_key, self.total = report, done_key, total_key, total
        self.done, self.calls = 0, 0

    def add(self, n: int) -> None:
        self.done += n
        self.calls += 1
        if self.calls % PROGRESS_EVERY_BATCHES == 0:
            self.flush()

    def flush(self) -> None:
        self.report.emit("metric", step=self.calls, epoch=0, values={self.done_key: self.done, self.total_key: self.total})


def batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_rows(name: str, rows: np.ndarray, texts: Callable[[int], Iterable[tuple[int, str]]],
             fn: Callable[[list[str]], dict[str, np.ndarray]], store: ChunkStore, progress: Progress,
             ctx: JobContext, say: Callable[[str, str], None]) -> dict[str, np.ndarray]:
    """fn over the texts of `rows` (sorted row indices), in batches -> its arrays concatenated, plus `rows`.

    `texts(skip)` yields (row index, text) of `rows` after the first `skip` of them. Chunks of sequence `name` saved by
    an earlier attempt of the same job are read back first and their rows not run again."""
    saved = store.load(name)
    done = len(saved["rows"]) if saved else 0
    if done and (done > len(rows) or not np.array_equal(saved["rows"], rows[:done])):
        say("warning", f"saved {name} rows do not match this job's rows; starting {name} again")
        saved, done = {}, 0
    if done:
        say("info", f"resuming: {done} of {len(rows)} {name} rows were done by an earlier attempt")
        progress.add(done)
    parts = [saved] if done else []
    pending: list[dict] = []
    saved_upto, last_save = done, time.monotonic()
    raise_after = _raise_after(ctx.fault)

    def save() -> None:
        nonlocal saved_upto, last_save, pending
        if not pending:
            return
        chunk = {k: np.concatenate([p[k] for p in pending]) for k in pending[0]}
        store.save(name, saved_upto, chunk)
        parts.append(chunk)
        saved_upto += len(chunk["rows"])
        pending, last_save = [], time.monotonic()

    for batch in batched(texts(done), BATCH_SIZE):
        out = fn([t for _, t in batch])
        pending.append({**{k: v for k, v in out.items() if v is not None},
                        "rows": np.array([r for r, _ in batch], dtype=np.int64)})
        progress.add(len(batch))
        if sum(len(p["rows"]) for p in pending) >= SAVE_EVERY_ROWS or time.monotonic() - last_save >= SAVE_EVERY_SECONDS:
            save()
        if raise_after is not None and progress.done >= raise_after:
            raise RuntimeError(f"test fault: interrupted after {progress.done} rows")
        if ctx.handback_requested():
            save()
            say("info", f"handing back after {progress.done} of {progress.total} rows (saved; a retry continues)")
            raise HandBack
    save()
    if not parts:
        return {"rows": rows[:0]}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _raise_after(fault: str | None) -> int | None:
    if fault and fault.startswith("raise_after:"):
        return int(fault.split(":", 1)[1])
    return None
