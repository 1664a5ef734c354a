"""Entry point of the child process that runs one job (spawned by the agent); it hands the payload to the handler
of its kind (whetstone_runner/jobs/).

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
    handback = {"requested": False}

    def on_term(_signo, _frame):
        handback["requested"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the agent, which decides
    logging.basicConfig(level=logging.WARNING)

    from .config import JobError
    from .jobs import JobContext, run_job
    from .storage import open_storage

    try:
        ctx = JobContext(runner=runner, attempt=attempt, emit=lambda e: conn.send(("event", e)),
                         storage=open_storage(storage_url), workdir=Path(workdir),
                         handback_requested=lambda: handback["requested"], fault=fault_for(payload.get("jobId", "")))
        conn.send(("result", run_job(payload, ctx)))
    except JobError as err:
        conn.send(("error", {"final": True, "message": str(err)}))
    except BaseException as err:  # noqa: BLE001 - every failure is reported, the parent decides on retry
        tb = traceback.format_exc(limit=8)
        conn.send(("error", {"final": False, "message": f"{type(err).__name__}: {err}", "traceback": tb}))
    finally:
        conn.close()
