"""The runner agent: a BullMQ worker that runs each training-queue job in a child process and reports events, and
a second worker on the inference queue that hands `generate` requests to one long-lived inference process
(inference/process.py; decision 0007).

    python -m whetstone_runner

Retry semantics (see README): a job kind this runner does not handle, a job name that does not match the kind,
a payload that fails its kind's schema, data that cannot be read, QLoRA without
CUDA, and a cancelled job are final (no retry). A crash (exception, CUDA OOM, a child that dies) is
retried by BullMQ while the job has attempts left and the retry resumes from the last checkpoint; the
runner emits `queued` with the reason then, and `failed` only when the failure is final.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import shutil
import signal
import time
from pathlib import Path

import redis.asyncio as aioredis
from bullmq import Worker
from bullmq.custom_errors import DelayedError, UnrecoverableError

from . import __version__, contract
from .distributed import ChannelReader, LaunchedJob, processes_of
from .events import EventSink, make_event, now_iso
from .inference.process import InferenceProcess, InferenceSettings
from .inference.stream import write_error_async
from .queue_connection import bullmq_connection
from .schema import validate_payload
from .settings import Settings, device_info, refusal

log = logging.getLogger("whetstone_runner.agent")


class Agent:
    def __init__(self, settings: Settings):
        self.s = settings
        self.sink = EventSink(settings.redis_url, settings.events_stream)
        self.redis = aioredis.Redis.from_url(settings.redis_url, socket_timeout=5)
        self.device = device_info()
        self.current_job: str | None = None
        self._alive_set_at: float | None = None  # monotonic time the alive key was last set
        self.job_kinds: dict[str, str | None] = {}  # job id -> the kind of the job being processed
        self.control: str | None = None  # None | "drain" | "disable"
        self.shutting_down = False
        self.stopped = asyncio.Event()
        self._shutdown_event = asyncio.Event()
        self.worker: Worker | None = None  # the training queue's
        self.inference_worker: Worker | None = None
        self.proc: multiprocessing.Process | None = None
        # Children fork from a fork server that has torch/transformers/peft imported already (it never touches
        # CUDA, so forking it is safe): a job starts in well under a second instead of paying the imports.
        self.mp = multiprocessing.get_context("forkserver")
        # whetstone_runner.warm_loading: transformers' model-loading tables built once, not in every job's child.
        self.mp.set_forkserver_preload(["torch", "transformers", "transformers.trainer", "peft", "whetstone_runner.jobs",
                                        "whetstone_runner.inference.process", "whetstone_runner.inference.models",
                                        "whetstone_runner.warm_loading"])
        self.inference: InferenceProcess | None = None
        if settings.takes_queue("inference"):
            self.inference = InferenceProcess(self.mp, InferenceSettings(
                redis_url=settings.redis_url, storage_url=settings.storage_url, runner_name=settings.runner_name,
                key_prefix=settings.key_prefix, workdir=settings.workdir, models=settings.inference_models),
                self.redis, settings.inference_shutdown_grace_seconds)

    # ---- reporting ---------------------------------------------------------------------------------

    def state(self) -> str:
        if self.control == "disable":
            return "disabled"
        if self.control == "drain" or self.shutting_down:
            return "draining"
        return "busy" if self.current_job else "idle"

    def heartbeat(self) -> None:
        # One job at a time: while it runs, no GPU is free for another job (whatever share of them it uses).
        free = 0 if self.current_job else self.device["gpuCount"]
        self.sink.emit(make_event("heartbeat", self.s.runner_name, **self.device, gpusFree=free, state=self.state(),
                                  currentJobId=self.current_job, version=__version__))

    async def _refresh_alive_key(self) -> None:
        """The runner's liveness as Redis sees it, independent of whether the worker is reading the events stream: a
        key that expires after a few missed heartbeats (docs/decisions/0011-liveness-and-final-events.md).

        The key also tells when Redis lost its data: set here before and gone now means a FLUSHALL or a restart without
        persistence took the events stream with it, maybe with entries the worker had not read; the recent events are
        sent again (the worker applies each event id once)."""
        try:
            previous = await self.redis.set(self.s.alive_key(), now_iso(), px=self.s.alive_ttl_ms(), get=True)
        except Exception as err:  # noqa: BLE001 - Redis away: the key expires, the events stream buffers
            log.warning("alive key not refreshed: %s", err)
            return
        now = time.monotonic()
        set_before, self._alive_set_at = self._alive_set_at, now
        if previous is None and set_before is not None:  # a mere expiry (a stalled loop) resends too: harmless
            n = self.sink.resend_recent()
            log.warning("Redis lost its data (the alive key vanished before its TTL); sent the last %d events again", n)

    def job_event(self, type_: str, job_id: str, attempt: int, **fields) -> None:
        # Every event about a job names its kind, so the worker applies it to a training job or an evaluation.
        kind = self.job_kinds.get(job_id)
        self.sink.emit(make_event(type_, self.s.runner_name, jobId=job_id, attempt=attempt,
                                  **({"kind": kind} if kind else {}), **fields))

    def job_state(self, job_id: str, attempt: int, state: str, message: str | None = None, **fields) -> None:
        self.job_event("state", job_id, attempt, state=state, message=message, **fields)

    # ---- loops ------------------------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        while not self.stopped.is_set():
            self.heartbeat()
            await self._refresh_alive_key()
            try:
                await asyncio.wait_for(self.stopped.wait(), timeout=self.s.heartbeat_seconds)
            except TimeoutError:
                pass

    async def _control_loop(self) -> None:
        while not self.stopped.is_set():
            try:
                raw = await self.redis.get(self.s.control_key())
                value = raw.decode() if raw else None
                value = value if value in ("drain", "disable") else None
            except Exception as err:  # noqa: BLE001 - Redis away: keep the last known state
                log.warning("control key unreadable: %s", err)
                value = self.control
            if value != self.control:
                previous, self.control = self.control, value
                log.info("control changed: %s -> %s", previous, value)
                for worker in (self.worker, self.inference_worker):
                    if worker is not None:
                        if value:
                            await worker.pause(do_not_wait_active=True)
                        elif not self.shutting_down:
                            worker.resume()
                if value == "disable" and self.proc is not None and self.proc.is_alive():
                    self.proc.terminate()  # SIGTERM: the child checkpoints and the job is handed back
                self.heartbeat()
            await asyncio.sleep(1.0)

    def _warm_fork_server(self) -> None:
        """Start the fork server (and its imports) now rather than when the first job arrives."""
        p = self.mp.Process(target=_noop, daemon=True)
        p.start()
        p.join()

    # ---- one job --------------------------------------------------------------------------------------------

    async def process(self, job, token: str):
        kind = job.data.get("kind") if isinstance(job.data, dict) else None
        self.job_kinds[str(job.id)] = kind if kind in contract.job_kinds() else None
        try:
            return await self._process(job, token)
        finally:
            self.job_kinds.pop(str(job.id), None)

    async def _process(self, job, token: str):
        job_id = str(job.id)
        attempt = int(job.attemptsMade) + 1
        attempts = int(job.opts.get("attempts") or 1)
        payload = job.data
        refused = refusal(job.name, payload, "training")
        if refused:
            self.job_state(job_id, attempt, "failed", refused)
            raise UnrecoverableError(refused)
        errors = validate_payload(payload)
        if errors:
            message = "invalid payload: " + "; ".join(errors[:5])
            self.job_state(job_id, attempt, "failed", message)
            raise UnrecoverableError(message)
        if payload["kind"] not in self.s.kinds:
            # RUNNER_KINDS leaves this kind to other runners (no attempt used, no state change)
            self.job_event("log", job_id, attempt, level="info", message=(
                f"runner {self.s.runner_name} does not take {payload['kind']!r} jobs (RUNNER_KINDS); left for another runner"))
            await job.moveToDelayed(int(time.time() * 1000) + self.s.vram_retry_delay_ms, token)
            raise DelayedError()
        if payload["jobId"] != job_id:
            log.warning("BullMQ job id %s differs from payload jobId %s", job_id, payload["jobId"])
        if await self.redis.get(self.s.cancel_key(job_id)):
            self.job_state(job_id, attempt, "cancelled", "cancelled before it started")
            return {"state": "cancelled"}
        if payload["kind"] == "train" and await self.redis.get(self.s.pause_key(job_id)):
            self.job_state(job_id, attempt, "paused", "paused before it started; resuming continues from its last checkpoint")
            return {"state": "paused"}
        vram = self.device["vramMb"]
        if vram is not None and payload.get("requiredVramMb", 0) > vram:
            # Too big for this GPU: leave it to a larger runner (no attempt used, no state change).
            self.job_event("log", job_id, attempt, level="warning", message=(
                f"runner {self.s.runner_name} has {vram} MiB of VRAM, the job needs {payload['requiredVramMb']} MiB; "
                "left for a larger runner"))
            await job.moveToDelayed(int(time.time() * 1000) + self.s.vram_retry_delay_ms, token)
            raise DelayedError()
        processes = processes_of(payload)
        gpus = self.device["gpuCount"]
        if gpus and processes > gpus:
            # Asks for more GPUs than this host has: left to a runner with as many (a CPU runner runs the processes
            # on its cores, over gloo).
            self.job_event("log", job_id, attempt, level="warning", message=(
                f"runner {self.s.runner_name} has {gpus} GPU{'s' if gpus > 1 else ''}, the job needs {processes}; "
                "left for a runner with more"))
            await job.moveToDelayed(int(time.time() * 1000) + self.s.vram_retry_delay_ms, token)
            raise DelayedError()

        self.current_job = job_id
        self.heartbeat()
        self.job_state(job_id, attempt, "running", f"runner {self.s.runner_name} took the job (attempt {attempt} of {attempts})")
        workdir = Path(self.s.workdir) / f"{job_id}-{attempt}-{int(time.time())}"
        if processes > 1:
            proc, parent_conn = self._launch(payload, attempt, workdir, processes)
        else:
            parent_conn, child_conn = self.mp.Pipe(duplex=False)
            from .child import child_main

            proc = self.mp.Process(target=child_main, name=f"job-{job_id}", daemon=True,
                                   args=(payload, self.s.runner_name, attempt, self.s.storage_url, str(workdir), child_conn))
            proc.start()
            child_conn.close()
        self.proc = proc
        try:
            outcome, detail = await self._supervise(job_id, proc, parent_conn)
        finally:
            self.proc = None
            self.current_job = None
            parent_conn.close()
            shutil.rmtree(workdir, ignore_errors=True)
        return await self._finish(job, token, job_id, attempt, attempts, outcome, detail)

    def _launch(self, payload: dict, attempt: int, workdir: Path, processes: int):
        """A job of several processes: torch.distributed.run starts them (distributed.py); -> (process, channel)."""
        channel = workdir / "events.jsonl"
        spec = {"payload": payload, "runner": self.s.runner_name, "attempt": attempt, "storage_url": self.s.storage_url,
                "workdir": str(workdir), "channel": str(channel), "handback_file": str(workdir / "handback")}
        proc = LaunchedJob(spec, workdir, processes)
        return proc, ChannelReader(channel)

    async def _supervise(self, job_id: str, proc, conn) -> tuple[str, dict]:
        """Forward the child's events until it ends; -> (outcome, detail)."""
        last_word: tuple[str, dict] | None = None
        next_cancel_check = 0.0
        term_sent_at: float | None = None
        pausing = False  # the job's pause key is set: SIGTERM, the child checkpoints, the job is reported `paused`
        while True:
            while conn.poll():
                try:
                    kind, body = conn.recv()
                except (EOFError, OSError):
                    break
                if kind == "event":
                    self.sink.emit(body)
                else:
                    last_word = (kind, body)
            if not proc.is_alive():
                while conn.poll():  # whatever it wrote just before exiting
                    try:
                        kind, body = conn.recv()
                    except (EOFError, OSError):
                        break
                    if kind == "event":
                        self.sink.emit(body)
                    else:
                        last_word = (kind, body)
                break
            now = time.monotonic()
            if now >= next_cancel_check:
                next_cancel_check = now + 1.0
                try:
                    cancelled = await self.redis.get(self.s.cancel_key(job_id))
                except Exception as err:  # noqa: BLE001
                    log.warning("cancel key unreadable: %s", err)
                    cancelled = None
                if cancelled:
                    proc.kill()
                    await asyncio.to_thread(proc.join, 10)
                    return "cancelled", {}
                if not pausing and self.job_kinds.get(job_id) == "train":
                    try:
                        pausing = bool(await self.redis.get(self.s.pause_key(job_id)))
                    except Exception as err:  # noqa: BLE001
                        log.warning("pause key unreadable: %s", err)
                    if pausing and term_sent_at is None:
                        proc.terminate()
                        term_sent_at = now
            if (self.shutting_down or self.control == "disable") and term_sent_at is None:
                proc.terminate()
                term_sent_at = now
            if term_sent_at is not None and now - term_sent_at > self.s.handback_grace_seconds:
                proc.kill()
                await asyncio.to_thread(proc.join, 10)
                return ("paused" if pausing else "handed_back"), {
                    "message": "the job did not stop in time; it resumes from its last checkpoint"}
            await asyncio.sleep(0.1)
        proc.join(5)
        if last_word is None and term_sent_at is not None:
            # stopped by our SIGTERM before it could report (e.g. still starting): nothing lost, hand it back
            return ("paused" if pausing else "handed_back"), {
                "message": "the job was stopped before training; it starts again on another runner"}
        if last_word is None:
            code = proc.exitcode
            how = f"killed by {signal.Signals(-code).name}" if code is not None and code < 0 else f"exited with code {code}"
            which = proc.failure() if isinstance(proc, LaunchedJob) else ""
            return "crashed", {"message": f"the training process died ({how}) without reporting"
                                          + (f"; {which}" if which else "")}
        kind, body = last_word
        which = proc.failure() if isinstance(proc, LaunchedJob) else ""
        if kind == "error" and which:  # the others' error (a collective cut short) follows from that death
            body = {**body, "message": f"{which}; the others stopped: {body['message']}"}
        if kind == "result":
            return ("paused" if pausing and body["status"] == "handed_back" else body["status"]), body
        return ("failed" if body["final"] else "crashed"), body

    async def _finish(self, job, token, job_id, attempt, attempts, outcome, detail):
        if outcome == "succeeded":
            self.job_state(job_id, attempt, "succeeded", None, artifacts=detail["artifacts"], summary=detail["summary"])
            return {"state": "succeeded", "summary": detail["summary"]}
        if outcome == "cancelled":
            self.job_state(job_id, attempt, "cancelled", "cancelled by request; the training process was stopped")
            return {"state": "cancelled"}
        if outcome == "paused":
            # Asked for through the job's pause key: the BullMQ job completes; resuming enqueues the job again and
            # the train job continues from the newest complete checkpoint in storage.
            step = detail.get("step")
            tail = f"checkpoint at step {step}; resuming continues from it" if step else "resuming starts it again"
            self.job_state(job_id, attempt, "paused", f"paused on request: {tail}")
            return {"state": "paused"}
        if outcome == "handed_back":
            why = "runner is shutting down" if self.shutting_down else "runner was disabled"
            step = detail.get("step")
            tail = detail.get("message") or (f"checkpoint at step {step}; another runner resumes from it" if step
                                             else "another runner starts it")
            self.job_state(job_id, attempt, "queued", f"{why}; handed back to the queue: {tail}")
            await job.moveToDelayed(int(time.time() * 1000) + self.s.handback_delay_ms, token)
            raise DelayedError()
        message = detail.get("message", "unknown failure")
        if detail.get("traceback"):
            self.job_event("log", job_id, attempt, level="error", message=detail["traceback"])
        if outcome == "failed":
            self.job_state(job_id, attempt, "failed", message)
            raise UnrecoverableError(message)
        # crashed: retryable while attempts remain
        if attempt < attempts:
            self.job_state(job_id, attempt, "queued",
                           f"attempt {attempt} of {attempts} failed: {message}; retrying from the last checkpoint")
        else:
            suffix = f" (after {attempts} attempts)" if attempts > 1 else ""
            self.job_state(job_id, attempt, "failed", f"{message}{suffix}")
        raise RuntimeError(message)

    # ---- one inference request --------------------------------------------------------------------------------

    async def process_inference(self, job, token: str):
        """A `generate` request: checked here, answered by the inference process on the request's token stream.
        Every failure is final (the stream has its `error` entry already; a retry would start a second answer)."""
        payload = job.data
        job_id = payload.get("jobId") if isinstance(payload, dict) and isinstance(payload.get("jobId"), str) else str(job.id)
        refused = refusal(job.name, payload, "inference")
        errors = [] if refused else validate_payload(payload)
        if refused or errors:
            message = refused or "invalid payload: " + "; ".join(errors[:5])
            await self._generation_error(job_id, message)
            raise UnrecoverableError(message)
        result = await self.inference.submit(payload)
        if result.get("status") != "done":
            raise UnrecoverableError(result.get("message") or "generation failed")
        return result

    async def _generation_error(self, job_id: str, message: str) -> None:
        try:
            await write_error_async(self.redis, job_id, message, self.s.key_prefix)
        except Exception as err:  # noqa: BLE001 - the stream expires on its own
            log.warning("could not write the error entry of request %s: %s", job_id, err)

    # ---- life cycle -------------------------------------------------------------------------------------------

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_shutdown)
        await self.redis.ping()  # fail fast when Redis is not there
        Path(self.s.workdir).mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self._warm_fork_server)
        if self.inference is not None:
            await asyncio.to_thread(self.inference.start)  # loads no model yet: that happens on the first request
        queues = [q for q, on in ((self.s.queue_name, self.s.takes_queue("training")),
                                  (self.s.inference_queue, self.inference is not None)) if on]
        log.info("runner %s (%s) serving queues %s (kinds %s)", self.s.runner_name, self.device["gpuName"] or "CPU",
                 ", ".join(map(repr, queues)), ", ".join(self.s.kinds))
        tasks = [asyncio.create_task(self._heartbeat_loop()), asyncio.create_task(self._control_loop())]
        options = {"connection": bullmq_connection(self.s.redis_url), "prefix": self.s.bull_prefix, "concurrency": 1,
                   "name": self.s.runner_name, "autorun": False}
        if self.s.takes_queue("training"):
            self.worker = Worker(self.s.queue_name, self.process, dict(options))
        if self.inference is not None:
            self.inference_worker = Worker(self.s.inference_queue, self.process_inference, dict(options))
        workers = [w for w in (self.worker, self.inference_worker) if w is not None]
        for w in workers:
            w.on("error", lambda err, *a: log.error("worker error: %s", err))
        worker_tasks = [asyncio.create_task(w.run()) for w in workers]
        await self._shutdown_event.wait()
        # waits for the current job to finish or be handed back, and for the request in flight (or its grace)
        await asyncio.gather(*(w.close() for w in workers))
        for t in worker_tasks:
            t.cancel()
        if self.inference is not None:
            await self.inference.close()
        self.stopped.set()
        self.heartbeat()
        try:
            await self.redis.delete(self.s.alive_key())  # gone on purpose: nothing to wait for
        except Exception as err:  # noqa: BLE001
            log.warning("alive key not removed: %s", err)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.sink.close(timeout=10)
        await self.redis.aclose()

    def request_shutdown(self) -> None:
        if self.shutting_down:
            return
        log.info("shutdown requested: the running job (if any) checkpoints and goes back to the queue")
        self.shutting_down = True
        if self.proc is not None and self.proc.is_alive():
            self.proc.terminate()
        if self.inference is not None:
            self.inference.closing = True  # the request in flight gets a grace, then is stopped
        self._shutdown_event.set()


def _noop() -> None:
    pass


def main() -> None:
    level = os.environ.get("LOG_LEVEL", "INFO").upper()  # .env files often say "info"
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    asyncio.run(Agent(Settings.from_env()).run())
