"""A job over several processes (docs/decisions/0014-multi-gpu-jobs.md), on the CPU: two processes under
torch.distributed.run over gloo, the tiny model, a few steps.

Tolerance of the loss comparison: relative 1e-5. Both runs see the same examples in each optimizer step (the global
batch is the job's batchSize; each process takes half) and transformers' Trainer averages over the tokens of the whole
global batch, so the runs differ only in float32 summation order — the all-reduce adds the two halves' gradients
where one process sums one batch — about 1e-7 relative per step (measured here: under 1e-7 after 6 steps). 1e-5 leaves
room for that to grow over a few Adam steps, while a wrong split (each process taking the whole batch, a per-process
mean over unequal token counts, shards that overlap) moves the loss by 1e-3 or more from the second step on.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

from tests.conftest import run_direct
from tests.helpers import chat_rows, make_payload
from tests.test_agent import harness  # noqa: F401 - the fixture
from whetstone_runner.config import JobError
from whetstone_runner.distributed import ChannelReader, LaunchedJob, per_process_batch, strategy_args

REL = 1e-5
JOB = 300  # safety net only: every wait ends on an event or the launcher's exit


def _payload(tmp_path: Path, tiny_model: Path, processes: int, **hp) -> dict:
    hp = {"maxSteps": 6, "logEverySteps": 1, "checkpointEverySteps": 2, "evalEverySteps": 2, "batchSize": 4,
          "validationSplit": 0.1, **hp}
    p = make_payload(tmp_path / "storage", tiny_model, [("support", "chat", "jsonl", chat_rows(40))], **hp)
    p["distributed"] = {"processes": processes, "strategy": "ddp"}
    return p


def _launch(payload: dict, tmp_path: Path, storage: Path, name: str, hand_back_after: int | None = None) -> list:
    """Run the job as the agent does (torch.distributed.run) -> [(kind, body)] the main process sent. With
    `hand_back_after`, ask for a hand-back (as the agent does on shutdown) once that step's metric has arrived."""
    wd = tmp_path / name
    spec = {"payload": payload, "runner": "test-runner", "attempt": 1, "storage_url": f"file://{storage}",
            "workdir": str(wd), "channel": str(wd / "events.jsonl"), "handback_file": str(wd / "handback")}
    proc = LaunchedJob(spec, wd, payload["distributed"]["processes"])
    channel = ChannelReader(spec["channel"])
    deadline = time.monotonic() + JOB
    items = []
    while proc.is_alive() or channel.poll():
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the launcher did not end:\n{proc.log_path.read_text()[-3000:]}")
        while channel.poll():
            kind, body = channel.recv()
            items.append((kind, body))
            if hand_back_after and body.get("type") == "metric" and body["step"] >= hand_back_after:
                proc.terminate()
        time.sleep(0.1)
    return items


def _metric(items: list, name: str) -> list[tuple[int, float]]:
    return [(b["step"], b["values"][name]) for k, b in items if k == "event" and b["type"] == "metric"
            and name in b["values"]]


def _close(a: list[tuple[int, float]], b: list[tuple[int, float]]) -> bool:
    if [s for s, _ in a] != [s for s, _ in b]:
        return False
    return all(x == pytest.approx(y, rel=REL) for (_, x), (_, y) in zip(a, b, strict=True))


def test_two_processes_train_like_one_stop_together_and_resume_on_one(tmp_path, tiny_model, monkeypatch):
    storage = tmp_path / "storage"
    two = _payload(tmp_path, tiny_model, 2)
    one = copy.deepcopy(two)
    one.update(distributed={"processes": 1, "strategy": "ddp"}, outputPrefix=two["outputPrefix"] + "single/")
    _, base = run_direct(one, storage, tmp_path / "single")
    base_loss = base.metric("train_loss")
    assert [s for s, _ in base_loss] == [1, 2, 3, 4, 5, 6]

    # Two processes, handed back (as on a runner's shutdown) once step 3 is reported: both stop at the step they agree
    # on, the main process saves a checkpoint there and says so.
    monkeypatch.setenv("WHETSTONE_TEST_FAULTS", f"{two['jobId']}=slow:0.5")  # time to ask before the last step
    items = _launch(two, tmp_path, storage, "two", hand_back_after=3)
    kind, last = items[-1]
    assert kind == "result" and last["status"] == "handed_back", items[-1]
    stop = last["step"]
    assert 3 <= stop < 6
    # Reported once, by the main process: one metric per step, one checkpoint event per save.
    assert _close(_metric(items, "train_loss"), base_loss[:stop]), (_metric(items, "train_loss"), base_loss)
    assert _close(_metric(items, "val_loss"), [v for v in base.metric("val_loss") if v[0] <= stop])
    saved = [b["step"] for k, b in items if k == "event" and b["type"] == "checkpoint"]
    assert saved == sorted({2, 4, stop} & set(range(1, stop + 1))), saved
    assert all(b["runner"] == "test-runner" for k, b in items if k == "event")

    # The job resumes on one process from the two processes' checkpoint and ends as the single run did.
    monkeypatch.delenv("WHETSTONE_TEST_FAULTS")
    retry = copy.deepcopy(two)
    retry["distributed"] = {"processes": 1, "strategy": "ddp"}
    result, events = run_direct(retry, storage, tmp_path / "retry")
    assert result["status"] == "succeeded"
    assert any(f"resuming from checkpoint step-{stop}" in e["message"] for e in events.of("log"))
    assert _close(events.metric("train_loss"), base_loss[stop:]), (events.metric("train_loss"), base_loss)


def test_a_killed_process_fails_the_job_and_a_retry_resumes_from_its_checkpoint(harness, tmp_path,  # noqa: F811
                                                                               tiny_model):
    failing = _payload(tmp_path, tiny_model, 2, maxSteps=4)
    retried = _payload(tmp_path, tiny_model, 2, maxSteps=4)
    # rank 1 SIGKILLs itself on the first attempt: at step 1 in the first job, at step 3 (after the checkpoint of step
    # 2) in the second
    h = harness(faults=f"{failing['jobId']}=kill_rank:1:1,{retried['jobId']}=kill_rank:1:3")
    h.start()
    h.add_job(failing, attempts=1)
    failed = h.wait_state(failing["jobId"], "failed", timeout=JOB)
    assert h.states(failing["jobId"]) == ["running", "failed"]
    assert "rank 1" in failed["message"] and "SIGKILL" in failed["message"], failed["message"]

    h.add_job(retried, attempts=2)
    h.wait_state(retried["jobId"], "succeeded", timeout=JOB)
    assert h.states(retried["jobId"]) == ["running", "queued", "running", "succeeded"]
    logs = [e["message"] for e in h.job_events(retried["jobId"], "log")]
    assert any("resuming from checkpoint step-2" in m for m in logs), logs
    steps = [e["step"] for e in h.job_events(retried["jobId"], "metric") if "train_loss" in e["values"]]
    assert steps == [1, 2, 3, 4], steps  # attempt 1 reported steps 1-2 (killed in step 3), the retry 3-4: once each
    beats = [e for e in h.events() if e["type"] == "heartbeat"]
    assert beats and all(e["gpuCount"] == 0 and e["gpusFree"] == 0 for e in beats)  # a CPU runner
    h.assert_events_valid()


def test_fsdp_on_cpu_processes_trains_with_ddp_and_says_so(tmp_path, tiny_model):
    """accelerate shards with FSDP only on GPU backends: asked for on gloo, the job trains with DDP (the same losses
    as one process) and its events say which strategy really ran. FSDP itself needs GPUs (decision 0014)."""
    storage = tmp_path / "storage"
    two = _payload(tmp_path, tiny_model, 2, maxSteps=3)
    two["distributed"] = {"processes": 2, "strategy": "fsdp"}
    one = copy.deepcopy(two)
    one.update(distributed={"processes": 1, "strategy": "ddp"}, outputPrefix=two["outputPrefix"] + "single/")
    _, base = run_direct(one, storage, tmp_path / "single")
    items = _launch(two, tmp_path, storage, "fsdp")
    assert items[-1][0] == "result" and items[-1][1]["status"] == "succeeded", items[-1]
    assert _close(_metric(items, "train_loss"), base.metric("train_loss"))
    logs = [(b["level"], b["message"]) for k, b in items if k == "event" and b["type"] == "log"]
    assert ("warning", "FSDP asked for, but accelerate shards only on GPUs: 2 processes train with DDP over gloo, "
                       "each holding the whole model") in logs, logs


def test_the_global_batch_splits_evenly_or_the_job_says_why():
    assert per_process_batch(8, 2) == 4
    with pytest.raises(JobError, match="batchSize 6 does not split over 4 processes"):
        per_process_batch(6, 4)


def test_the_strategy_becomes_the_trainers_arguments():
    assert strategy_args("ddp", 1, cuda=True) == {}
    assert strategy_args("ddp", 2, cuda=False) == {"ddp_backend": "gloo"}
    fsdp = strategy_args("fsdp", 4, cuda=True)
    assert fsdp["ddp_backend"] == "nccl" and fsdp["fsdp"] == "full_shard auto_wrap"
    # full state dicts: a checkpoint written by 4 processes loads on any number
    assert fsdp["fsdp_config"]["state_dict_type"] == "FULL_STATE_DICT"


def test_a_gpu_runner_with_fewer_gpus_leaves_the_job_to_another(redis_url, tmp_path, tiny_model):
    """As with GPU memory: a 2-process job on a 1-GPU runner goes back to the queue, delayed, no attempt used."""
    import asyncio
    import uuid

    import redis
    from bullmq.custom_errors import DelayedError

    from whetstone_runner.agent import Agent
    from whetstone_runner.settings import Settings

    tag = uuid.uuid4().hex[:8]
    s = Settings(redis_url=redis_url, events_stream=f"test:whetstone:events:{tag}", key_prefix=f"test:whetstone:{tag}",
                 workdir=str(tmp_path / "work"))
    agent = Agent(s)
    agent.device = {"gpuName": "NVIDIA test", "vramMb": 80_000, "cudaVersion": "12.8", "gpuCount": 1}
    payload = _payload(tmp_path, tiny_model, 2)

    class Job:
        id, name, data, attemptsMade, opts = payload["jobId"], "training.run", payload, 0, {"attempts": 3}
        delayed_to: int | None = None

        async def moveToDelayed(self, timestamp, token):
            self.delayed_to = timestamp

    job = Job()
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        with pytest.raises(DelayedError):
            asyncio.run(agent._process(job, "token"))
        assert job.delayed_to is not None and agent.current_job is None
        agent.sink.flush()
        events = [json.loads(f["data"]) for _id, f in r.xrange(s.events_stream)]
        assert [e["type"] for e in events] == ["log"]  # no state change: another runner takes it
        assert "has 1 GPU, the job needs 2" in events[0]["message"]
    finally:
        agent.sink.close()
        r.delete(s.events_stream)
        r.close()
