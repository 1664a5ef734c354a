"""Entry point of the child process that runs one job (spawned by the agent); it hands the payload to the handler
of its kind (whetstone_runner/jobs/).

A job of several processes (`distributed.processes` > 1) runs `python -m whetstone_runner.child <spec>` in each
process instead, started by torch.distributed.run (distributed.py); its main process reports through a file.

Everything it reports goes to the parent through a pipe: ("event", dict), then one of
("result", dict) | ("error", {"final": bool, "message": str}). A child that dies without a last word
(segfault, os._exit, the kernel's OOM killer) is noticed by the parent from its exit code.
"""

from __future__ import annotations

import logging
import os
import signal
import traceback
from pathlib import Path


def fault_for(job_id: str) -> str | None:
    """Test hook: WHETSTONE_TEST_FAULTS="jobA=oom,jobB=exit,jobC=slow:0.5" makes those jobs misbehave."""
    for item in os.environ.get("WHETSTONE_TEST_FAULTS", "").split(","):
        if "=" in item and item.split("=", 1)[0] == job_id:
            return item.split("=", 1)[1]
    return None


def child_main(payload: dict, runner: str, attempt: int, storage_url: str, workdir: str, conn) -> None:
    """The single process of a job, forked by the agent: reports through the pipe `conn`."""
    handback = {"requested": False}

    def on_term(_signo, _frame):
        handback["requested"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the agent, which decides
    try:
        _run(payload, runner, attempt, storage_url, workdir, conn.send, lambda: handback["requested"], main=True)
    finally:
        conn.close()


def launched_main(spec_path: str) -> None:
    """One of the N processes of a distributed job, started by torch.distributed.run (distributed.py). Only the main
    process (rank 0) reports, through the channel file; a SIGTERM (the launcher stopping the group because a sibling
    died) ends a process at once; a hand-back is asked for through the spec's file."""
    import json

    from .distributed import ChannelWriter, is_main, rank

    spec = json.loads(Path(spec_path).read_text())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    writer = ChannelWriter(spec["channel"]) if is_main() else None
    handback_file = Path(spec["handback_file"])
    workdir = Path(spec["workdir"]) / f"rank-{rank()}"  # each rank fetches and writes its own files
    try:
        _run(spec["payload"], spec["runner"], spec["attempt"], spec["storage_url"], str(workdir),
             writer.send if writer else (lambda _item: None), handback_file.exists, main=is_main())
    finally:
        if writer:
            writer.close()


def _run(payload: dict, runner: str, attempt: int, storage_url: str, workdir: str, send, handback_requested,
         main: bool) -> None:
    logging.basicConfig(level=logging.WARNING)

    from .config import JobError
    from .jobs import JobContext, run_job
    from .storage import open_storage

    try:
        ctx = JobContext(runner=runner, attempt=attempt, emit=lambda e: send(("event", e)),
                         storage=open_storage(storage_url), workdir=Path(workdir), main=main,
                         handback_requested=handback_requested, fault=fault_for(payload.get("jobId", "")))
        send(("result", run_job(payload, ctx)))
    except JobError as err:
        send(("error", {"final": True, "message": str(err)}))
    except BaseException as err:  # noqa: BLE001 - every failure is reported, the parent decides on retry
        tb = traceback.format_exc(limit=8)
        send(("error", {"final": False, "message": f"{type(err).__name__}: {err}", "traceback": tb}))


if __name__ == "__main__":
    import sys

    launched_main(sys.argv[1])
