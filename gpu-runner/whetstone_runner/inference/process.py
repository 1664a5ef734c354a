"""The inference process, and the agent's handle on it.

One long-lived process (forked from the agent's fork server, like a training child, but kept alive between
requests) holds the loaded models (models.ModelCache) and its own Redis connection. The agent sends it one request
at a time over a pipe, ("generate", payload); the process writes the request's tokens straight to its stream
(jobs/generate.py) and answers ("result", {"status": "done" | "error", …}) when the stream is finished. None on the
pipe, or the pipe closing, ends it.

If the process dies with a request in flight (segfault, the kernel's OOM killer, os._exit), the agent writes the
request's `error` entry itself and starts a fresh process for the next request (its models are loaded again on
demand). A training job running at the same time is another process and never notices.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .stream import write_error_async

log = logging.getLogger("whetstone_runner.inference")


@dataclass(frozen=True)
class InferenceSettings:
    redis_url: str
    storage_url: str
    runner_name: str
    key_prefix: str
    workdir: str
    models: int = 2


def inference_main(settings: InferenceSettings, conn) -> None:
    """The process's loop: one request at a time until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the agent, which decides
    logging.basicConfig(level=logging.WARNING)
    import redis

    from ..child import fault_for
    from ..jobs import run_job
    from ..jobs.generate import GenerateContext
    from ..storage import open_storage
    from .models import ModelCache

    storage = open_storage(settings.storage_url)
    workdir = Path(settings.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=10, socket_connect_timeout=5)
    models = ModelCache(storage, workdir, settings.models)
    conn.send(("ready", {"pid": os.getpid()}))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            break
        if msg is None:
            break
        _kind, payload = msg
        taken = time.monotonic()
        job_id = payload.get("jobId", "") if isinstance(payload, dict) else ""
        fault = fault_for(job_id) if isinstance(job_id, str) else None
        ctx = GenerateContext(runner=settings.runner_name, attempt=1, emit=lambda e: None, storage=storage,
                              workdir=workdir, fault=fault, redis=client, key_prefix=settings.key_prefix,
                              models=models, taken_at=taken)
        if fault == "exit":
            os._exit(3)  # tests: the process dies with a request in flight
        try:
            result = run_job(payload, ctx)
        except Exception as err:  # noqa: BLE001 - never lose the process over one request
            result = {"status": "error", "message": f"{type(err).__name__}: {err}"}
        conn.send(("result", result))
    client.close()


class InferenceProcess:
    """The agent's side: start the process, submit a request and wait for its result, restart after a crash."""

    def __init__(self, mp, settings: InferenceSettings, redis, shutdown_grace_seconds: float = 30.0):
        self.mp, self.s, self.redis = mp, settings, redis  # redis: the agent's asyncio client (crash entries)
        self.grace = shutdown_grace_seconds
        self.proc = None
        self.conn = None
        self.restarts = 0
        self.closing = False

    def start(self) -> None:
        parent, child = self.mp.Pipe(duplex=True)
        workdir = str(Path(self.s.workdir) / f"inference-{int(time.time() * 1000)}")
        self.proc = self.mp.Process(target=inference_main, args=(replace(self.s, workdir=workdir), child),
                                    name="inference", daemon=True)
        self.proc.start()
        child.close()
        self.conn, self._workdir = parent, workdir
        log.info("inference process started (pid %s)", self.proc.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.is_alive()

    async def submit(self, payload: dict) -> dict:
        """Run one request; -> its result. The stream always ends with `done` or `error`, even if the process dies."""
        if not self.alive():
            self._reap()
            self.start()
        self.conn.send(("generate", payload))
        deadline = None
        while True:
            msg = self._poll()
            if msg is not None and msg[0] == "result":
                return msg[1]
            if not self.proc.is_alive():
                msg = self._poll()  # whatever it wrote just before dying
                if msg is not None and msg[0] == "result":
                    self._restart()
                    return msg[1]
                code = self.proc.exitcode
                how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exited with code {code}"
                message = f"the inference process died ({how}) while answering; the runner restarts it"
                await self._error_entry(payload, message)
                self._restart()
                return {"status": "error", "message": message}
            if self.closing:
                deadline = deadline or time.monotonic() + self.grace
                if time.monotonic() > deadline:
                    message = "runner is shutting down; the answer was stopped"
                    self.proc.kill()
                    await asyncio.to_thread(self.proc.join, 10)
                    await self._error_entry(payload, message)
                    return {"status": "error", "message": message}
            await asyncio.sleep(0.005)

    def _poll(self):
        try:
            while self.conn.poll():
                msg = self.conn.recv()
                if msg[0] == "result":
                    return msg
        except (EOFError, OSError):
            return None
        return None

    async def _error_entry(self, payload: dict, message: str) -> None:
        job_id = payload.get("jobId") if isinstance(payload, dict) else None
        if isinstance(job_id, str) and job_id:
            try:
                await write_error_async(self.redis, job_id, message, self.s.key_prefix)
            except Exception as err:  # noqa: BLE001 - the stream expires on its own
                log.warning("could not write the error entry of %s: %s", job_id, err)

    def _restart(self) -> None:
        self.restarts += 1
        self._reap()
        if not self.closing:
            log.warning("inference process ended; starting a fresh one (restart %d)", self.restarts)
            self.start()

    def _reap(self) -> None:
        if self.proc is not None:
            self.proc.join(5)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join(5)
            self.conn.close()
            shutil.rmtree(self._workdir, ignore_errors=True)
        self.proc = self.conn = None

    async def close(self) -> None:
        """After the worker has stopped taking requests: tell the process to stop, then make sure it did."""
        self.closing = True
        if self.proc is None:
            return
        if self.proc.is_alive():
            try:
                self.conn.send(None)
            except (OSError, BrokenPipeError):
                pass
            await asyncio.to_thread(self.proc.join, 10)
        self._reap()
