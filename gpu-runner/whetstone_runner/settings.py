"""The agent's settings (from the environment), which jobs it refuses outright, and the device it reports."""

from __future__ import annotations

import logging
import os
import socket
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import contract
from .jobs import HANDLERS, unhandled_kind_message
from .storage import DEFAULT_STORAGE_URL

log = logging.getLogger("whetstone_runner.agent")

# How many heartbeats the runner's alive key outlives (Settings.alive_ttl_ms).
ALIVE_HEARTBEATS = 6


@dataclass
class Settings:
    redis_url: str = "redis://127.0.0.1:6379"
    storage_url: str = DEFAULT_STORAGE_URL
    runner_name: str = field(default_factory=socket.gethostname)
    heartbeat_seconds: float = 5.0
    # the contract's names (packages/queue); tests override them through the environment for isolation
    queue_name: str = field(default_factory=lambda: contract.queue("training"))
    events_stream: str = field(default_factory=lambda: contract.redis_key("eventsStream"))
    key_prefix: str = field(default_factory=contract.key_prefix)  # of the cancel and runner control keys
    bull_prefix: str = field(default_factory=contract.bull_prefix)
    workdir: str = field(default_factory=lambda: str(Path(tempfile.gettempdir()) / "whetstone-runner"))
    handback_grace_seconds: float = 120.0
    handback_delay_ms: int = 1000
    vram_retry_delay_ms: int = 30_000
    inference_queue: str = field(default_factory=lambda: contract.queue("inference"))
    kinds: tuple[str, ...] = field(default_factory=lambda: tuple(HANDLERS))  # RUNNER_KINDS: the kinds this runner takes
    inference_models: int = 2  # models the inference process keeps loaded (LRU)
    inference_shutdown_grace_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> Settings:
        e, d = os.environ, cls()
        return cls(
            redis_url=e.get("REDIS_URL", d.redis_url), storage_url=e.get("STORAGE_URL", d.storage_url),
            runner_name=e.get("RUNNER_NAME", d.runner_name),
            heartbeat_seconds=float(e.get("HEARTBEAT_SECONDS", d.heartbeat_seconds)),
            queue_name=e.get("WHETSTONE_QUEUE", d.queue_name), events_stream=e.get("WHETSTONE_EVENTS_STREAM", d.events_stream),
            key_prefix=e.get("WHETSTONE_KEY_PREFIX", d.key_prefix), bull_prefix=e.get("WHETSTONE_BULL_PREFIX", d.bull_prefix),
            workdir=e.get("RUNNER_WORKDIR", d.workdir),
            handback_grace_seconds=float(e.get("HANDBACK_GRACE_SECONDS", d.handback_grace_seconds)),
            inference_queue=e.get("WHETSTONE_INFERENCE_QUEUE", d.inference_queue),
            kinds=parse_kinds(e.get("RUNNER_KINDS")) or d.kinds,
            inference_models=int(e.get("RUNNER_INFERENCE_MODELS", d.inference_models)),
        )

    def takes_queue(self, queue: str) -> bool:
        """Whether any kind this runner takes travels on the contract's queue `queue`."""
        return any(contract.job_kind(k)["queue"] == contract.queue(queue) for k in self.kinds)

    def cancel_key(self, job_id: str) -> str:
        return contract.redis_key("cancel", prefix=self.key_prefix, jobId=job_id)

    def pause_key(self, job_id: str) -> str:
        return contract.redis_key("pause", prefix=self.key_prefix, jobId=job_id)

    def alive_key(self) -> str:
        return contract.redis_key("runnerAlive", prefix=self.key_prefix, runnerName=self.runner_name)

    def alive_ttl_ms(self) -> int:
        """The alive key outlives ALIVE_HEARTBEATS missed heartbeats (30 s at the default 5 s: the contract's
        runnerOfflineAfterMs)."""
        return int(ALIVE_HEARTBEATS * self.heartbeat_seconds * 1000)

    def control_key(self) -> str:
        return contract.redis_key("runnerControl", prefix=self.key_prefix, runnerName=self.runner_name)


def parse_kinds(value: str | None) -> tuple[str, ...]:
    """RUNNER_KINDS ("train,generate"): the kinds this runner takes; empty means every kind it handles."""
    kinds = tuple(k.strip() for k in (value or "").split(",") if k.strip())
    unknown = [k for k in kinds if k not in HANDLERS]
    if unknown:
        raise ValueError(f"RUNNER_KINDS: {', '.join(map(repr, unknown))} not handled; "
                         f"this runner handles {', '.join(repr(k) for k in HANDLERS)}")
    return kinds


def refusal(job_name: str, payload: object, queue: str | None = None) -> str | None:
    """Why a job can never run here, or None: a kind this runner does not handle, a BullMQ job name that is not
    the contract's name for the kind, or (when `queue`, a contract queue, is given) a kind that travels on another
    queue. A payload that is not an object is left to validation."""
    if not isinstance(payload, dict):
        return None
    kind = payload.get("kind")
    if kind not in HANDLERS:
        return f"{unhandled_kind_message(kind)} (BullMQ job name {job_name!r})"
    expected = contract.job_kind(kind)["jobName"]
    if job_name != expected:
        return (f"job name {job_name!r} does not match kind {kind!r} (expected {expected!r}); "
                f"this runner handles {', '.join(repr(k) for k in HANDLERS)}")
    expected_queue = contract.job_kind(kind)["queue"]
    if queue is not None and expected_queue != contract.queue(queue):
        return f"kind {kind!r} travels on queue {expected_queue!r}, not on {contract.queue(queue)!r}"
    return None


def device_info() -> dict:
    """GPU model, VRAM (of the first GPU), CUDA version and the number of GPUs for heartbeats (None, 0 on a CPU
    runner). A host's GPUs are taken to be alike; CUDA_VISIBLE_DEVICES limits which ones a runner counts."""
    try:
        import torch

        if torch.cuda.is_available():
            props = torch.cuda.get_device_properties(0)
            return {"gpuName": props.name, "vramMb": int(props.total_memory // 2**20), "cudaVersion": torch.version.cuda,
                    "gpuCount": torch.cuda.device_count()}
    except Exception:
        log.exception("could not query CUDA")
    return {"gpuName": None, "vramMb": None, "cudaVersion": None, "gpuCount": 0}
