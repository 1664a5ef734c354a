"""Faults the runner must get past (issue 13, "Faults and load"): a retry that starts when its backoff ends, a damaged
newest checkpoint, files of a process killed mid-write, and the runner's liveness as Redis sees it."""

from __future__ import annotations

import json
import signal
from datetime import datetime

import pytest

from tests.conftest import run_direct
from tests.helpers import chat_rows, make_payload
from tests.test_agent import chat_payload, harness  # noqa: F401 - the fixture
from whetstone_runner.storage import LocalStorage
from whetstone_runner.training.checkpoints import checkpoint_prefix, fetch_verified_checkpoint, save_checkpoint

# Safety nets only: every wait below ends on an event; these bound a run that went wrong on a very slow machine.
STARTUP = 300
JOB = 300


def _ts(event: dict) -> float:
    return datetime.fromisoformat(event["ts"]).timestamp()


def test_a_retry_after_a_crash_starts_when_its_backoff_ends(harness, tmp_path, tiny_model):  # noqa: F811
    """BullMQ's worker waits for a delayed job with BZPOPMIN of up to 10 s; with redis-py's default 5 s socket timeout
    that wait was cut and re-sent for minutes, so a retry 7 s after a crash started minutes late on an idle queue."""
    payload = chat_payload(tmp_path, tiny_model, maxSteps=4)
    h = harness(faults=f"{payload['jobId']}=exit")  # every attempt dies at its first step
    h.start()
    backoff_ms = 7_000
    h.add_job(payload, attempts=2, backoff={"type": "fixed", "delay": backoff_ms})
    h.wait_state(payload["jobId"], "failed", timeout=JOB)
    states = h.job_events(payload["jobId"], "state")
    assert [e["state"] for e in states] == ["running", "queued", "running", "failed"]
    waited = _ts(states[2]) - _ts(states[1])
    # The backoff, plus the time the agent takes to start a job (well under a second; a busy machine adds a little).
    assert backoff_ms / 1000 - 0.5 <= waited < backoff_ms / 1000 + 5, waited


def test_the_alive_key_lives_while_the_runner_heartbeats_and_goes_with_it(harness):  # noqa: F811
    h = harness()
    key = f"{h.key_prefix}:runner:{h.runner}:alive"
    h.start()
    h.wait_for(lambda: any(e["type"] == "heartbeat" for e in h.events()), STARTUP, "a heartbeat")
    h.wait_for(lambda: h.r.exists(key), 30, "the alive key")
    ttl = h.r.pttl(key)
    assert 0 < ttl <= 6 * 1000  # six heartbeats of HEARTBEAT_SECONDS=1

    # Redis loses its data (what FLUSHALL does to this runner's keys): entries the worker had not read are gone.
    # The runner notices its alive key gone and sends its recent events again.
    h.wait_for(lambda: sum(e["type"] == "heartbeat" for e in h.events()) >= 3, 30, "three heartbeats")
    sent = {e["eventId"] for e in h.events()}
    h.r.delete(h.stream, key)
    h.wait_for(lambda: sent <= {e["eventId"] for e in h.events()}, 30, "the lost events sent again")

    h.stop(signal.SIGTERM)
    assert not h.r.exists(key)  # a runner that stops on purpose leaves nothing to wait for


def test_the_event_sink_sends_its_recent_events_again(redis_url):
    import uuid

    import redis

    from whetstone_runner.events import EventSink, make_event

    stream = f"test:events:{uuid.uuid4().hex[:8]}"
    sink = EventSink(redis_url, stream)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        for i in range(3):
            sink.emit(make_event("log", "r", jobId="j", attempt=1, level="info", message=str(i)))
        assert sink.flush(timeout=15)
        r.delete(stream)  # lost before the worker read it
        sink.emit(make_event("log", "r", jobId="j", attempt=1, level="info", message="3"))
        assert sink.resend_recent() == 3
        assert sink.flush(timeout=15)
        got = [json.loads(f["data"])["message"] for _id, f in r.xrange(stream)]
        assert got in (["0", "1", "2", "3"], ["3", "0", "1", "2"])  # "3" may have gone out before the resend
    finally:
        r.delete(stream)
        r.close()
        sink.close()


def _two_checkpoints(storage_root, tiny_model, tmp_path):
    """A job that crashed after its second checkpoint (steps 8 and 16 are in storage)."""
    kw = dict(maxSteps=24, epochs=2, learningRate=5e-3, evalEverySteps=8, checkpointEverySteps=8)
    payload = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", chat_rows(80))], **kw)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_direct(payload, storage_root, tmp_path / "first", fault="raise_after:16")
    return payload


def test_a_corrupt_newest_checkpoint_is_skipped_and_the_retry_resumes_from_one_that_verifies(
        tmp_path, storage_root, tiny_model):
    payload = _two_checkpoints(storage_root, tiny_model, tmp_path)
    newest = storage_root / checkpoint_prefix(payload["outputPrefix"], 16) / "adapter_model.safetensors"
    data = bytearray(newest.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the weights: same size, wrong sha256
    newest.write_bytes(bytes(data))

    result, events = run_direct(payload, storage_root, tmp_path / "retry")
    assert result["status"] == "succeeded"
    assert result["summary"]["steps"] == 24
    logs = [(e["level"], e["message"]) for e in events.of("log")]
    skipped = [m for lvl, m in logs if lvl == "warning" and m.startswith("checkpoint step-16 does not verify")]
    assert skipped and "adapter_model.safetensors has sha256" in skipped[0], logs
    assert ("info", "resuming from checkpoint step-8") in logs
    assert events.metric("train_loss")[0][0] > 8  # it resumed, not started over


def test_a_checkpoint_missing_a_file_is_skipped(tmp_path, storage_root):
    storage = LocalStorage(storage_root)
    for step in (1, 2):
        local = tmp_path / f"ckpt-{step}"
        local.mkdir()
        (local / "weights.bin").write_bytes(bytes([step]) * 100)
        save_checkpoint(storage, local, "jobs/j/", step)
    (storage_root / checkpoint_prefix("jobs/j/", 2) / "weights.bin").unlink()
    said: list[tuple[str, str]] = []
    step, local = fetch_verified_checkpoint(storage, "jobs/j/", lambda s: tmp_path / "fetched" / str(s),
                                            lambda lvl, m: said.append((lvl, m)))
    assert step == 1 and (local / "weights.bin").read_bytes() == bytes([1]) * 100
    assert said == [("warning", "checkpoint step-2 does not verify (weights.bin is missing); skipped, trying an older one")]
    # The marker is the manifest the checkpoint event carries.
    marker = json.loads((storage_root / checkpoint_prefix("jobs/j/", 1) / "_COMPLETE").read_text())
    assert marker["step"] == 1 and marker["files"][0]["name"] == "weights.bin"


def test_a_file_being_written_is_never_listed_and_never_left_behind(tmp_path, storage_root):
    storage = LocalStorage(storage_root)
    src = tmp_path / "big.bin"
    src.write_bytes(b"x" * 1000)
    # What a process killed mid-copy leaves: a `.partial` beside the target (and `.part` from older runners).
    folder = storage_root / "jobs/j/checkpoints/step-1"
    folder.mkdir(parents=True)
    (folder / "adapter.safetensors.1a2b3c.partial").write_bytes(b"half")
    (folder / "old.bin.part").write_bytes(b"half")
    storage.upload(src, "jobs/j/checkpoints/step-1/adapter.safetensors")
    assert storage.list("jobs/j/") == ["jobs/j/checkpoints/step-1/adapter.safetensors"]
    assert sorted(p.name for p in folder.iterdir()) == [
        "adapter.safetensors", "adapter.safetensors.1a2b3c.partial", "old.bin.part"]  # the upload left none of its own

