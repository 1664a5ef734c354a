"""The agent against real Redis: jobs from the BullMQ queue, events on the stream, isolation of failures."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.agent_harness import AgentHarness
from tests.helpers import alpaca_rows, chat_rows, example_payload, make_payload, prompt_completion_rows
from whetstone_runner import contract
from whetstone_runner.jobs import HANDLERS
from whetstone_runner.schema import load_schema


@pytest.fixture
def harness(redis_url, tmp_path):
    hs: list[AgentHarness] = []

    def make(faults: str = "") -> AgentHarness:
        h = AgentHarness(redis_url, tmp_path / "storage", tmp_path / "work", faults)
        hs.append(h)
        return h

    yield make
    for h in hs:
        h.cleanup()


def chat_payload(tmp_path, tiny_model, **hp):
    return make_payload(tmp_path / "storage", tiny_model, [("support-chat", "chat", "jsonl", chat_rows(80))], **hp)


def test_schema_example_job_runs_end_to_end(harness, tmp_path, tiny_model):
    h = harness()
    payload = chat_payload(tmp_path, tiny_model, maxSteps=12, evalEverySteps=6, checkpointEverySteps=6, logEverySteps=3)
    h.start()
    job_id = h.add_job(payload)
    done = h.wait_state(job_id, "succeeded", timeout=120)
    assert h.states(job_id) == ["running", "succeeded"]
    names = {a["name"] for a in done["artifacts"]}
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "config.json", "metrics.json"} <= names
    assert done["summary"]["steps"] == 12
    metrics = h.job_events(job_id, "metric")
    assert any("train_loss" in m["values"] and "tokens_per_second" in m["values"] for m in metrics)
    assert any("val_loss" in m["values"] for m in metrics)
    assert [c["step"] for c in h.job_events(job_id, "checkpoint")][:2] == [6, 12]
    beats = [e for e in h.events() if e["type"] == "heartbeat"]
    assert beats and beats[0]["runner"] == h.runner and beats[0]["gpuName"] is None  # CPU runner
    assert {"idle", "busy"} <= {b["state"] for b in beats} or "busy" in {b["state"] for b in beats}
    assert all(e["attempt"] == 1 for e in h.events() if "jobId" in e)
    h.wait_for(lambda: h.job_state(job_id) == "completed", 10, "BullMQ completed")

    # the second schema example: transfer from the first job's adapter + a multi-task mix weighted 3:1
    second = make_payload(tmp_path / "storage", tiny_model, [("contracts-qa", "alpaca", "jsonl", alpaca_rows(60)),
                                                             ("case-law", "prompt_completion", "jsonl",
                                                              prompt_completion_rows(60))],
                          index=1, maxSteps=8, evalEverySteps=4, mergeWeights=True)
    assert [d["weight"] for d in second["datasets"]] == [1, 1]
    second["datasets"][0]["weight"] = 3
    second["baseModel"] = {**example_payload(1)["baseModel"], "ref": payload["outputPrefix"] + "artifacts/"}
    second["baseModel"]["parent"] = {**second["baseModel"]["parent"], "source": "local", "ref": str(tiny_model)}
    h.add_job(second)
    done2 = h.wait_state(second["jobId"], "succeeded", timeout=120)
    assert {"adapter", "merged_model"} <= {a["kind"] for a in done2["artifacts"]}
    last = [m["values"] for m in h.job_events(second["jobId"], "metric") if "val_loss" in m["values"]][-1]
    assert {"val_loss:contracts-qa", "val_loss:case-law"} <= set(last)
    h.assert_events_valid()


def test_crashing_children_fail_only_their_job(harness, tmp_path, tiny_model):
    oom = chat_payload(tmp_path, tiny_model, maxSteps=6)
    dies = chat_payload(tmp_path, tiny_model, maxSteps=6)
    good = chat_payload(tmp_path, tiny_model, maxSteps=6)
    qlora = chat_payload(tmp_path, tiny_model, method="qlora")
    h = harness(faults=f"{oom['jobId']}=oom,{dies['jobId']}=exit")
    h.start()
    h.add_job(qlora, attempts=3)
    h.add_job(oom)
    h.add_job(dies, attempts=2)
    h.add_job(good)
    failed = h.wait_state(oom["jobId"], "failed", timeout=120)
    assert "OutOfMemoryError" in failed["message"] and "out of memory" in failed["message"]
    final = h.wait_state(dies["jobId"], "failed", timeout=120)
    assert "died" in final["message"] and "code 3" in final["message"]
    # the first death had attempts left: handed back as queued, then retried as attempt 2
    assert h.states(dies["jobId"]) == ["running", "queued", "running", "failed"]
    assert [e["attempt"] for e in h.job_events(dies["jobId"], "state")] == [1, 1, 2, 2]
    h.wait_state(good["jobId"], "succeeded", timeout=120)
    assert h.procs[0].poll() is None  # the agent kept serving
    # a final error inside the job (QLoRA without CUDA) is not retried, whatever the attempts
    assert "QLoRA needs a CUDA GPU; this runner has none" in h.wait_state(qlora["jobId"], "failed")["message"]
    assert h.states(qlora["jobId"]) == ["running", "failed"]
    h.assert_events_valid()


def test_malformed_payload_fails_without_retry_naming_the_field(harness, tmp_path, tiny_model):
    h = harness()
    bad = chat_payload(tmp_path, tiny_model)
    bad["hyperparameters"]["learningRate"] = "fast"
    h.start()
    h.add_job(bad, attempts=3)
    failed = h.wait_state(bad["jobId"], "failed", timeout=60)
    assert "hyperparameters.learningRate" in failed["message"]
    h.wait_for(lambda: h.job_state(bad["jobId"]) == "failed", 10, "BullMQ failed")
    time.sleep(1)
    assert h.states(bad["jobId"]) == ["failed"]  # no retry
    h.assert_events_valid()


def test_unknown_kind_and_mismatched_job_name_are_refused_as_final(harness, tmp_path, tiny_model):
    h = harness()
    unknown = chat_payload(tmp_path, tiny_model)
    unknown["kind"] = "distill"  # a kind this runner does not handle
    misnamed = chat_payload(tmp_path, tiny_model)  # kind train, under another kind's BullMQ job name
    h.start()
    h.add_job(unknown, attempts=3, name="distillation.run")
    h.add_job(misnamed, attempts=3, name="inference.generate")
    refused = h.wait_state(unknown["jobId"], "failed", timeout=60)["message"]
    handled = ", ".join(repr(k) for k in HANDLERS)
    assert "unknown job kind 'distill'" in refused and f"this runner handles {handled}" in refused
    refused = h.wait_state(misnamed["jobId"], "failed", timeout=60)["message"]
    expected = contract.job_kind("train")["jobName"]
    assert f"job name 'inference.generate' does not match kind 'train' (expected {expected!r})" in refused
    assert f"this runner handles {handled}" in refused
    for job_id in (unknown["jobId"], misnamed["jobId"]):
        h.wait_for(lambda j=job_id: h.job_state(j) == "failed", 10, "BullMQ failed")  # UnrecoverableError
    time.sleep(1)
    assert h.states(unknown["jobId"]) == ["failed"] and h.states(misnamed["jobId"]) == ["failed"]  # no retry
    h.assert_events_valid()


def test_state_events_name_the_kind_of_their_job(harness, tmp_path, tiny_model):
    """The worker applies an event to a training job or an evaluation by its kind: the agent's own state events
    (running, failed, ...) must carry it, not only the events the job's handler emits."""
    h = harness()
    evaluation = load_schema("job-evaluate.schema.json")["examples"][0] | {"jobId": f"eval-{uuid.uuid4().hex[:8]}"}
    h.start()
    h.add_job(evaluation, attempts=1, name=contract.job_kind("evaluate")["jobName"])
    h.wait_state(evaluation["jobId"], "failed", timeout=90)  # the example's dataset is not in this storage
    states = [e for e in h.events() if e["type"] == "state" and e["jobId"] == evaluation["jobId"]]
    assert [e["state"] for e in states] == ["running", "failed"]
    assert {e.get("kind") for e in states} == {"evaluate"}
    h.assert_events_valid()


def test_cancel_kills_the_child_and_reports_cancelled(harness, tmp_path, tiny_model):
    slow = chat_payload(tmp_path, tiny_model, maxSteps=200, logEverySteps=1)
    early = chat_payload(tmp_path, tiny_model)
    h = harness(faults=f"{slow['jobId']}=slow:0.3")
    h.r.set(contract.redis_key("cancel", prefix=h.key_prefix, jobId=early["jobId"]), "1")
    h.start()
    h.add_job(early)
    h.add_job(slow)
    assert h.wait_state(early["jobId"], "cancelled", timeout=60)["message"] == "cancelled before it started"
    h.wait_for(lambda: h.job_events(slow["jobId"], "metric"), 90, "first metric")
    h.r.set(contract.redis_key("cancel", prefix=h.key_prefix, jobId=slow["jobId"]), "1")
    cancelled = h.wait_state(slow["jobId"], "cancelled", timeout=30)
    assert "cancel" in cancelled["message"]
    assert h.states(slow["jobId"]) == ["running", "cancelled"]
    assert h.states(early["jobId"]) == ["cancelled"]
    h.assert_events_valid()


def test_sigterm_checkpoints_and_hands_the_job_back(harness, tmp_path, tiny_model):
    payload = chat_payload(tmp_path, tiny_model, epochs=3, maxSteps=40, checkpointEverySteps=100, logEverySteps=1)
    h = harness(faults=f"{payload['jobId']}=slow:0.2")
    h.start()
    h.add_job(payload)
    h.wait_for(lambda: any(m["step"] >= 3 for m in h.job_events(payload["jobId"], "metric")), 90, "step 3")
    h.stop()
    assert h.procs[0].returncode == 0
    queued = h.wait_state(payload["jobId"], "queued", timeout=5)
    assert queued["message"].startswith("runner is shutting down; handed back to the queue: checkpoint at step")
    ckpt = h.job_events(payload["jobId"], "checkpoint")
    assert ckpt, "the hand-back writes a checkpoint"
    handed_at = ckpt[-1]["step"]
    assert h.job_state(payload["jobId"]) in ("delayed", "waiting", "wait")
    # another runner takes it and resumes from the checkpoint
    h.env["WHETSTONE_TEST_FAULTS"] = ""
    h.start()
    done = h.wait_state(payload["jobId"], "succeeded", timeout=120)
    assert done["summary"]["steps"] == 40
    logs = [e["message"] for e in h.job_events(payload["jobId"], "log")]
    assert f"resuming from checkpoint step-{handed_at}" in logs
    h.assert_events_valid()


def test_pause_key_checkpoints_and_reports_paused(harness, tmp_path, tiny_model):
    """The API's pause (decision 0010): the agent stops the child as a drain does — a checkpoint at the current step —
    reports `paused` (not `queued`) and completes its BullMQ job; a job paused before it started never runs."""
    slow = chat_payload(tmp_path, tiny_model, epochs=3, maxSteps=40, checkpointEverySteps=100, logEverySteps=1)
    early = chat_payload(tmp_path, tiny_model)
    h = harness(faults=f"{slow['jobId']}=slow:0.2")
    h.r.set(contract.redis_key("pause", prefix=h.key_prefix, jobId=early["jobId"]), "1")
    h.start()
    h.add_job(early)
    h.add_job(slow)
    assert h.wait_state(early["jobId"], "paused", timeout=60)["message"].startswith("paused before it started")
    h.wait_for(lambda: any(m["step"] >= 3 for m in h.job_events(slow["jobId"], "metric")), 90, "step 3")
    h.r.set(contract.redis_key("pause", prefix=h.key_prefix, jobId=slow["jobId"]), "1")
    paused = h.wait_state(slow["jobId"], "paused", timeout=60)
    ckpt = h.job_events(slow["jobId"], "checkpoint")
    assert ckpt, "pausing writes a checkpoint"
    assert paused["message"] == f"paused on request: checkpoint at step {ckpt[-1]['step']}; resuming continues from it"
    assert h.states(slow["jobId"]) == ["running", "paused"]
    assert h.states(early["jobId"]) == ["paused"]
    h.wait_for(lambda: h.job_state(slow["jobId"]) == "completed", 10, "the BullMQ job to complete")
    h.assert_events_valid()


def test_drain_and_disable_stop_taking_jobs(harness, tmp_path, tiny_model):
    """Every wait ends on an event of the agent's; the timeouts are only safety nets for a run gone wrong, sized for
    a busy machine (the agent's start imports torch twice: in its fork server, then in a job's child)."""
    h = harness()
    control = contract.redis_key("runnerControl", prefix=h.key_prefix, runnerName=h.runner)

    def heartbeats(state: str) -> int:
        return sum(1 for e in h.events() if e["type"] == "heartbeat" and e["state"] == state)

    h.r.set(control, "drain")
    h.start()
    h.wait_for(lambda: heartbeats("draining"), 300, "draining")
    payload = chat_payload(tmp_path, tiny_model, maxSteps=4)
    h.add_job(payload)
    # Not taken while draining: three more heartbeats (so the control loop has run again) and the job still waits.
    seen = heartbeats("draining")
    h.wait_for(lambda: heartbeats("draining") >= seen + 3, 300, "three more draining heartbeats")
    assert h.job_events(payload["jobId"]) == []
    assert h.job_state(payload["jobId"]) in ("waiting", "prioritized")
    h.r.set(control, "disable")
    h.wait_for(lambda: heartbeats("disabled"), 300, "disabled")
    assert h.job_events(payload["jobId"]) == []  # nor while disabled
    h.r.delete(control)
    h.wait_state(payload["jobId"], "succeeded", timeout=600)
    h.assert_events_valid()


def test_events_are_buffered_while_redis_is_away(redis_url):
    """EventSink keeps events in memory and sends them in order once Redis answers again."""
    import json
    import uuid

    import redis

    from whetstone_runner.events import EventSink, make_event

    stream = f"test:events:{uuid.uuid4().hex[:8]}"
    sink = EventSink("redis://127.0.0.1:1", stream)  # nothing listens there: Redis is "away"
    events = [make_event("log", "r", jobId="j", attempt=1, level="info", message=str(i)) for i in range(5)]
    t0 = time.monotonic()
    for e in events:
        sink.emit(e)
    assert time.monotonic() - t0 < 0.5  # emit never waits for Redis
    time.sleep(0.3)
    assert sink.pending() == 5
    # Redis "comes back": point the sink's client at the real server
    sink._redis = redis.Redis.from_url(redis_url)
    assert sink.flush(timeout=15)
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        got = [json.loads(f["data"])["message"] for _id, f in r.xrange(stream)]
        assert got == [str(i) for i in range(5)]
    finally:
        r.delete(stream)
        sink.close()
