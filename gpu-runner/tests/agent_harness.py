"""Start the real agent (`python -m whetstone_runner`) against real Redis, on queue/stream/keys of its own."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis

from whetstone_runner import contract
from whetstone_runner.schema import validate_event


class AgentHarness:
    def __init__(self, redis_url: str, storage_root: Path, workdir: Path, faults: str = ""):
        tag = uuid.uuid4().hex[:10]
        self.redis_url = redis_url
        self.queue = f"test-training-{tag}"
        self.inference_queue = f"test-inference-{tag}"
        self.stream = f"test:whetstone:events:{tag}"
        self.key_prefix = f"test:whetstone:{tag}"
        self.runner = f"test-runner-{tag}"
        self.r = redis.Redis.from_url(redis_url, decode_responses=True)
        self.env = {**os.environ, "REDIS_URL": redis_url, "STORAGE_URL": f"file://{storage_root}",
                    "RUNNER_NAME": self.runner, "HEARTBEAT_SECONDS": "1", "WHETSTONE_QUEUE": self.queue,
                    "WHETSTONE_INFERENCE_QUEUE": self.inference_queue,
                    "WHETSTONE_EVENTS_STREAM": self.stream, "WHETSTONE_KEY_PREFIX": self.key_prefix,
                    "RUNNER_WORKDIR": str(workdir), "WHETSTONE_TEST_FAULTS": faults, "HF_HUB_OFFLINE": "1",
                    "LOG_LEVEL": "INFO"}
        self.procs: list[subprocess.Popen] = []
        self.logs: list[Path] = []
        self.workdir = workdir

    def start(self) -> subprocess.Popen:
        log = self.workdir.parent / f"agent-{len(self.procs)}.log"
        self.logs.append(log)
        p = subprocess.Popen([sys.executable, "-m", "whetstone_runner"], env=self.env, stdout=open(log, "w"),
                             stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1])
        self.procs.append(p)
        return p

    def add_job(self, payload: dict, job_id: str | None = None, attempts: int = 1, name: str | None = None,
                queue: str | None = None, backoff: dict | None = None) -> str:
        """Enqueue under the contract's BullMQ job name for the payload's kind, unless `name` says otherwise, on this
        harness's queue for the kind's contract queue (training or inference), unless `queue` names one."""
        from bullmq import Queue

        job_id = job_id or payload["jobId"]
        name = name or contract.job_kind(payload["kind"])["jobName"]
        if queue is None:
            try:
                on_inference = contract.job_kind(payload["kind"])["queue"] == contract.queue("inference")
            except contract.ContractError:
                on_inference = False
            queue = self.inference_queue if on_inference else self.queue

        async def go():
            q = Queue(queue, {"connection": self.redis_url})
            await q.add(name, payload, {"jobId": job_id, "attempts": attempts,
                                        "backoff": backoff or {"type": "fixed", "delay": 200}})
            await q.close()

        asyncio.run(go())
        return job_id

    def job_state(self, job_id: str, queue: str | None = None) -> str:
        from bullmq import Queue

        async def go():
            q = Queue(queue or self.queue, {"connection": self.redis_url})
            state = await q.getJobState(job_id)
            await q.close()
            return state

        return asyncio.run(go())

    def events(self) -> list[dict]:
        return [json.loads(f["data"]) for _id, f in self.r.xrange(self.stream)]

    def job_events(self, job_id: str, type_: str | None = None) -> list[dict]:
        return [e for e in self.events() if e.get("jobId") == job_id and (type_ is None or e["type"] == type_)]

    def generation(self, request_id: str) -> list[dict]:
        """The entries of a generate request's token stream."""
        key = contract.redis_key("generationStream", prefix=self.key_prefix, jobId=request_id)
        return [json.loads(f["data"]) for _id, f in self.r.xrange(key)]

    def wait_generation(self, request_id: str, timeout: float = 90) -> list[dict]:
        """The stream once it has ended (its `done` or `error` entry)."""
        return self.wait_for(lambda: (lambda es: es if es and es[-1]["type"] in ("done", "error") else None)(
            self.generation(request_id)), timeout, f"the end of the token stream of {request_id}")

    def states(self, job_id: str) -> list[str]:
        return [e["state"] for e in self.job_events(job_id, "state")]

    def wait_for(self, pred, timeout: float = 90, what: str = "condition"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = pred()
            if value:
                return value
            for p in self.procs:
                if p.poll() is not None and p.returncode not in (0, None) and not getattr(p, "expected_exit", False):
                    raise AssertionError(f"agent exited with {p.returncode}:\n{self.log_text()}")
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; events: {self.events()[-10:]}\n{self.log_text()}")

    def wait_state(self, job_id: str, state: str, timeout: float = 90) -> dict:
        return self.wait_for(lambda: next((e for e in self.job_events(job_id, "state") if e["state"] == state), None),
                             timeout, f"{job_id} -> {state}")

    def log_text(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in self.logs if p.exists())

    def assert_events_valid(self) -> None:
        evs = self.events()
        assert evs
        for e in evs:
            assert validate_event(e) == [], (e, validate_event(e))

    def stop(self, sig=signal.SIGTERM, timeout: float = 60) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.expected_exit = True
                p.send_signal(sig)
                try:
                    p.wait(timeout)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    def cleanup(self) -> None:
        self.stop()
        bull = contract.bull_prefix()
        keys = [*self.r.scan_iter(f"{bull}:{self.queue}:*"), *self.r.scan_iter(f"{bull}:{self.inference_queue}:*"),
                *self.r.scan_iter(f"{self.key_prefix}:*")]
        keys.append(self.stream)
        if keys:
            self.r.delete(*keys)
        self.r.close()
