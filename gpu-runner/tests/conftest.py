from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.helpers, from the repo root or from gpu-runner/
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    from whetstone_runner.tiny_model import build

    return build(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def storage_root(tmp_path) -> Path:
    d = tmp_path / "storage"
    d.mkdir()
    return d


@pytest.fixture
def redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
    redis.Redis.from_url(url).ping()  # a missing Redis is a failure, never a skip
    return url


class Collected(list):
    def of(self, type_: str) -> list[dict]:
        return [e for e in self if e["type"] == type_]

    def metric(self, name: str) -> list[tuple[int, float]]:
        return [(e["step"], e["values"][name]) for e in self.of("metric") if name in e["values"]]


def run_direct(payload: dict, storage_root: Path, workdir: Path, **ctx_kw):
    """Run a job in this process (no agent), collecting its events."""
    from whetstone_runner.jobs import JobContext, run_job
    from whetstone_runner.storage import LocalStorage

    events = Collected()
    ctx = JobContext(runner="test-runner", attempt=1, emit=events.append, storage=LocalStorage(storage_root),
                     workdir=workdir, **ctx_kw)
    return run_job(payload, ctx), events
