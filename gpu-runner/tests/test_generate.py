"""The `generate` kind and the inference process: real Redis, the tiny model, real PEFT adapters, the real agent."""

from __future__ import annotations

import math
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import torch

from tests.agent_harness import AgentHarness
from tests.helpers import chat_rows, example_payload, make_payload
from whetstone_runner import contract
from whetstone_runner.config import JobError
from whetstone_runner.inference.models import ModelCache
from whetstone_runner.inference.stream import MAXLEN, TTL_SECONDS, stream_key
from whetstone_runner.jobs import HANDLERS, generate
from whetstone_runner.storage import LocalStorage

LABELS = ["account", "refund", "shipping"]


@pytest.fixture
def gen(redis_url, storage_root, tmp_path):
    """run(payload, models=None) -> the request's stream entries; streams are deleted afterwards."""
    prefix = f"test:whetstone:{uuid.uuid4().hex[:10]}"
    r = redis.Redis.from_url(redis_url, decode_responses=True)
    storage = LocalStorage(storage_root)

    def run(payload: dict, models: ModelCache | None = None) -> list[dict]:
        generate.run_direct(payload, redis_url, storage, tmp_path / "work", key_prefix=prefix, models=models)
        return entries(payload["jobId"])

    def entries(job_id: str) -> list[dict]:
        import json

        return [json.loads(f["data"]) for _id, f in r.xrange(stream_key(job_id, prefix))]

    run.entries, run.r, run.prefix = entries, r, prefix
    run.cache = lambda size=2: ModelCache(storage, tmp_path / "work", size)
    yield run
    keys = list(r.scan_iter(f"{prefix}:*"))
    if keys:
        r.delete(*keys)
    r.close()


def ref_local(path: Path, name: str = "tiny-llama") -> dict:
    return {"id": f"bm_{name}", "name": name, "source": "local", "ref": str(path), "revision": None,
            "artifactKind": None, "parent": None}


def ref_adapter(prefix: str, parent: dict, name: str) -> dict:
    return {"id": f"bm_{name}", "name": name, "source": "artifact", "ref": prefix, "revision": None,
            "artifactKind": "adapter", "parent": parent}


def request(ref: dict, *, label: str = "tiny", task: str = "chat", content: str = "Where is my parcel?",
            max_new: int = 12, temperature: float = 0.0, seed: int | None = None,
            expires_in: float = 600) -> dict:
    p = example_payload(0, "generate")
    p.update(jobId=f"gen_{uuid.uuid4().hex[:10]}", task=task,
             model={"modelId": ref["id"], "label": label, "ref": ref},
             messages=[{"role": "system", "content": "You are a support agent."}, {"role": "user", "content": content}],
             sampling={"temperature": temperature, "topP": 1, "maxNewTokens": max_new, "seed": seed},
             expiresAt=(datetime.now(UTC) + timedelta(seconds=expires_in)).isoformat())
    return p


def text_of(entries: list[dict]) -> str:
    return "".join(e["text"] for e in entries if e["type"] == "token")


def write_adapter(tiny_model: Path, storage_root: Path, job: str, seed: int) -> str:
    """A LoRA adapter with random (non-zero) weights saved as a train job's artifacts; -> its artifacts prefix."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    lora = LoraConfig(r=8, lora_alpha=64, target_modules="all-linear", task_type="CAUSAL_LM", init_lora_weights=False)
    prefix = f"jobs/{job}/artifacts/"
    get_peft_model(model, lora).save_pretrained(storage_root / prefix / contract.artifact_dir("adapter"))
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(storage_root / prefix / contract.artifact_dir("tokenizer"))
    return prefix


# ---- the stream of one request ------------------------------------------------------------------------------------

def test_chat_streams_start_tokens_done_consistent_with_plain_generate(gen, tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from whetstone_runner.techniques.sft import render

    p = request(ref_local(tiny_model), label="support-bot", max_new=16)
    entries = gen(p)
    assert entries[0] == {"type": "start", "model": "support-bot", "runner": "test-runner"}
    assert [e["type"] for e in entries[1:-1]] == ["token"] * (len(entries) - 2)
    done = entries[-1]
    assert done["type"] == "done" and set(done) == {"type", "finishReason", "usage", "ttftMs", "tokensPerSecond"}
    assert done["ttftMs"] > 0 and done["tokensPerSecond"] > 0

    # the same greedy answer from transformers directly: same token count, same text
    tok, model = AutoTokenizer.from_pretrained(tiny_model), AutoModelForCausalLM.from_pretrained(tiny_model).eval()
    ids = tok(render(tok, p["messages"], add_generation_prompt=True), add_special_tokens=False, return_tensors="pt")["input_ids"]
    stops = sorted(generate.stop_token_ids(tok, model.config))
    with torch.inference_mode():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=16,
                             eos_token_id=stops, pad_token_id=tok.pad_token_id)[0, ids.shape[1]:].tolist()
    assert done["usage"] == {"promptTokens": ids.shape[1], "completionTokens": len(out)}
    assert text_of(entries) == tok.decode(out, skip_special_tokens=True)
    assert done["finishReason"] == ("stop" if out[-1] in stops else "length")
    key = stream_key(p["jobId"], gen.prefix)
    assert 0 < gen.r.ttl(key) <= TTL_SECONDS and MAXLEN == 10_000

    # greedy decoding is deterministic: again with the loaded model, and with a fresh one
    cache = gen.cache()
    again = [gen({**p, "jobId": f"gen_{uuid.uuid4().hex[:10]}"}, models=cache) for _ in range(2)]
    assert text_of(again[0]) == text_of(again[1]) == text_of(entries)
    assert cache.loads == 1


def test_sampling_with_a_seed_is_repeatable(gen, tiny_model):
    cache = gen.cache()
    runs = [gen(request(ref_local(tiny_model), temperature=1.0, seed=s, max_new=16), models=cache) for s in (7, 7, 8)]
    assert text_of(runs[0]) == text_of(runs[1])
    assert all(r[-1]["usage"]["completionTokens"] >= 1 for r in runs)


def test_a_multibyte_character_is_never_split(gen, tiny_model):
    """Pieces are decoded text: a character whose bytes span tokens comes out whole (no U+FFFD in a piece)."""
    from whetstone_runner.jobs.generate import _Streamer

    class Sink:
        pieces: list[str] = []

        def token(self, text):
            self.pieces.append(text)

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    ids = tok("café 😀 déjà vu", add_special_tokens=False)["input_ids"]
    sink = Sink()
    s = _Streamer(tok, sink, lambda: False)
    s.put(torch.tensor([[0]]))  # the prompt
    for i in ids:
        s.put(torch.tensor([i]))
    s.end()
    assert "".join(sink.pieces) == "café 😀 déjà vu"
    assert not any("\ufffd" in piece for piece in sink.pieces)


# ---- base and adapters: one copy of the base weights ----------------------------------------------------------------

def test_adapters_and_their_base_share_weights_and_answer_as_loaded_alone(gen, tiny_model, storage_root):
    base = ref_local(tiny_model)
    a1 = ref_adapter(write_adapter(tiny_model, storage_root, "job_a1", seed=1), base, "fine-tune-1")
    a2 = ref_adapter(write_adapter(tiny_model, storage_root, "job_a2", seed=2), base, "fine-tune-2")
    cache = gen.cache(size=3)
    shared = {name: text_of(gen(request(ref), models=cache)) for name, ref in
              (("a1", a1), ("base", base), ("a2", a2), ("a1 again", a1))}
    assert cache.loads == 1 and len(cache.slots) == 1  # the base weights were read once
    alone = {name: text_of(gen(request(ref), models=gen.cache())) for name, ref in (("a1", a1), ("base", base), ("a2", a2))}
    assert shared["base"] == alone["base"]  # adapters off = the plain base model
    assert shared["a1"] == shared["a1 again"] == alone["a1"] and shared["a2"] == alone["a2"]
    assert len({alone["a1"], alone["a2"], alone["base"]}) == 3  # each adapter changes the answers


def test_the_lru_keeps_at_most_its_size_and_frees_unused_weights(gen, tiny_model, storage_root, tmp_path):
    from whetstone_runner.tiny_model import build

    other = build(tmp_path / "other-model", hidden=32)
    base, second = ref_local(tiny_model), ref_local(other, "other")
    a1 = ref_adapter(write_adapter(tiny_model, storage_root, "job_lru", seed=3), base, "fine-tune")
    cache = gen.cache(size=2)
    for ref in (a1, base, second):
        assert gen(request(ref), models=cache)[-1]["type"] == "done"
    assert cache.loaded() == ["tiny-llama", "other"]  # the adapter went first; its base stays for the base's entry
    assert len(cache.slots) == 2
    gen(request(a1), models=cache)  # evicts the base entry, keeps the weights (the adapter needs them)
    assert cache.loaded() == ["other", "fine-tune"] and len(cache.slots) == 2 and cache.loads == 2


# ---- classify -----------------------------------------------------------------------------------------------------

def test_classify_returns_probabilities_over_the_labels(gen, tiny_model, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = tmp_path / "classifier"
    tok = AutoTokenizer.from_pretrained(tiny_model)
    AutoModelForSequenceClassification.from_pretrained(
        tiny_model, num_labels=3, id2label=dict(enumerate(LABELS)), label2id={lab: i for i, lab in enumerate(LABELS)},
        pad_token_id=tok.pad_token_id).save_pretrained(folder)
    tok.save_pretrained(folder)
    entries = gen(request(ref_local(folder, "router"), task="classify", content="I was charged twice"))
    assert [e["type"] for e in entries] == ["start", "probs", "done"]
    probs = entries[1]["labels"]
    assert sorted(probs) == LABELS and math.isclose(sum(probs.values()), 1.0, abs_tol=1e-5)
    assert all(0 <= p <= 1 for p in probs.values())
    assert entries[2]["usage"]["completionTokens"] == 0 and entries[2]["finishReason"] == "stop"
    # the wrong task for the model is an error entry naming it
    wrong = gen(request(ref_local(folder, "router"), label="router"))
    assert wrong[-1] == {"type": "error", "message": "model 'router' is a classification model: ask it with task 'classify'"}
    wrong = gen(request(ref_local(tiny_model), label="tiny", task="classify"))
    assert wrong[-1]["type"] == "error" and "no classification head" in wrong[-1]["message"]


# ---- requests that are not answered ---------------------------------------------------------------------------------

def test_expired_invalid_cancelled_and_unknown_requests(gen, tiny_model, storage_root, tmp_path):
    expired = request(ref_local(tiny_model), expires_in=-1)
    assert gen(expired) == [{"type": "error", "message": "request expired before a runner took it"}]

    bad = request(ref_local(tiny_model))
    bad["sampling"]["temperature"] = 5
    entries = gen(bad)
    assert len(entries) == 1 and entries[0]["message"].startswith("invalid payload: sampling.temperature")

    gone = request(ref_adapter("jobs/deleted/artifacts/", ref_local(tiny_model), "gone"))
    entries = gen(gone)
    assert [e["type"] for e in entries] == ["start", "error"] and "'gone'" in entries[1]["message"]

    cancelled = request(ref_local(tiny_model))
    gen.r.set(contract.redis_key("cancel", prefix=gen.prefix, jobId=cancelled["jobId"]), "1")
    entries = gen(cancelled)
    assert entries[-1]["finishReason"] == "cancelled" and entries[-1]["usage"]["completionTokens"] == 0

    unknown = request(ref_local(tiny_model)) | {"kind": "distill"}
    with pytest.raises(JobError, match="unknown job kind 'distill': this runner handles"):
        gen(unknown)
    assert "generate" in HANDLERS
    # a generate payload outside the inference process is refused (it has no token stream there)
    from tests.conftest import run_direct

    with pytest.raises(JobError, match="inference process"):
        run_direct(request(ref_local(tiny_model)), storage_root, tmp_path / "w")


# ---- the agent: inference next to training ---------------------------------------------------------------------------

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


def test_agent_answers_requests_while_a_slow_training_job_runs(harness, tmp_path, tiny_model):
    train = make_payload(tmp_path / "storage", tiny_model, [("c", "chat", "jsonl", chat_rows(40))],
                         maxSteps=300, logEverySteps=1)
    crash, slow = request(ref_local(tiny_model)), request(ref_local(tiny_model), max_new=200)
    h = harness(faults=f"{train['jobId']}=slow:0.3,{crash['jobId']}=exit,{slow['jobId']}=slow:0.05")
    h.start()
    h.add_job(train)
    h.wait_for(lambda: h.job_events(train["jobId"], "metric"), 90, "the training job's first metric")

    first = request(ref_local(tiny_model), label="support-bot")
    h.add_job(first)
    entries = h.wait_generation(first["jobId"], 60)
    assert entries[0]["type"] == "start" and entries[0]["runner"] == h.runner and entries[-1]["type"] == "done"
    assert entries[-1]["usage"]["completionTokens"] >= 1
    assert h.states(train["jobId"]) == ["running"]  # answered while training holds the training worker
    beats = [e for e in h.events() if e["type"] == "heartbeat"]
    assert beats[-1]["state"] == "busy" and beats[-1]["currentJobId"] == train["jobId"]
    h.wait_for(lambda: h.job_state(first["jobId"], h.inference_queue) == "completed", 10, "BullMQ completed")

    # the inference process dies with a request in flight: an error entry, and the next request is answered
    h.add_job(crash)
    died = h.wait_generation(crash["jobId"], 60)
    assert died[-1]["type"] == "error" and "inference process died (exited with code 3)" in died[-1]["message"]
    after = request(ref_local(tiny_model))
    h.add_job(after)
    assert h.wait_generation(after["jobId"], 60)[-1]["type"] == "done"
    h.wait_for(lambda: h.job_state(crash["jobId"], h.inference_queue) == "failed", 10, "BullMQ failed")

    # cancel between tokens; an expired request and an unknown kind are refused with an error entry
    h.add_job(slow)
    h.wait_for(lambda: any(e["type"] == "token" for e in h.generation(slow["jobId"])), 30, "first token")
    h.r.set(contract.redis_key("cancel", prefix=h.key_prefix, jobId=slow["jobId"]), "1")
    done = h.wait_generation(slow["jobId"], 30)[-1]
    assert done["finishReason"] == "cancelled" and 1 <= done["usage"]["completionTokens"] < 200
    expired, unknown = request(ref_local(tiny_model), expires_in=-1), request(ref_local(tiny_model))
    unknown["kind"] = "distill"
    h.add_job(expired)
    h.add_job(unknown, name="distillation.run", queue=h.inference_queue)
    assert h.wait_generation(expired["jobId"], 30) == [{"type": "error", "message": "request expired before a runner took it"}]
    refused = h.wait_generation(unknown["jobId"], 30)
    assert len(refused) == 1 and "unknown job kind 'distill'" in refused[0]["message"]

    assert h.states(train["jobId"]) == ["running"]  # training never noticed any of it
    h.r.set(contract.redis_key("cancel", prefix=h.key_prefix, jobId=train["jobId"]), "1")
    h.wait_state(train["jobId"], "cancelled", timeout=30)
    h.assert_events_valid()
    assert not [e for e in h.events() if e.get("jobId") in (first["jobId"], crash["jobId"])]  # no job events


def test_runner_kinds_train_only_leaves_the_inference_queue_alone(harness, tmp_path, tiny_model):
    h = harness()
    h.env["RUNNER_KINDS"] = "train"
    h.start()
    p = request(ref_local(tiny_model))
    h.add_job(p)
    h.wait_for(lambda: any(e["type"] == "heartbeat" for e in h.events()), 60, "a heartbeat")
    time.sleep(2)
    assert h.generation(p["jobId"]) == [] and h.job_state(p["jobId"], h.inference_queue) == "waiting"
