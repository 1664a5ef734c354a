"""The `merge` job: merged weights on request for a finished LoRA job (decision 0013). On the tiny model: the merged
weights load with plain transformers and give the logits of base + adapter; what cannot be merged is refused."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import torch

from tests.conftest import run_direct
from tests.helpers import assert_artifact_kinds_in_contract, chat_rows, classification_rows, make_payload
from whetstone_runner.config import BaseModelRef, JobError
from whetstone_runner.contract import artifact_dir
from whetstone_runner.jobs.merge import check_mergeable
from whetstone_runner.loading import load_for_inference
from whetstone_runner.schema import validate_event
from whetstone_runner.storage import LocalStorage


def merge_payload(train: dict) -> dict:
    return {"kind": "merge", "schemaVersion": 1, "jobId": train["jobId"], "teamId": train["teamId"],
            "baseModel": train["baseModel"], "adapter": train["outputPrefix"] + "artifacts/",
            "outputPrefix": train["outputPrefix"], "requiredVramMb": 0}


def trained(storage_root, tiny_model, tmp_path, technique="sft", fmt="chat", rows=None, method="lora"):
    payload = make_payload(storage_root, tiny_model, [("d", fmt, "jsonl", rows or chat_rows(24))], technique=technique,
                           method=method, maxSteps=4, learningRate=5e-2, evalEverySteps=2, mergeWeights=False)
    result, _ = run_direct(payload, storage_root, tmp_path / "train")
    assert result["status"] == "succeeded", result
    assert not any(a["kind"] == "merged_model" for a in result["artifacts"])
    return payload


@pytest.mark.parametrize("technique,fmt,rows", [("sft", "chat", lambda: chat_rows(24)),
                                                 ("classification", "classification", lambda: classification_rows(24))])
def test_merged_weights_give_the_logits_of_base_plus_adapter(storage_root, tiny_model, tmp_path, technique, fmt, rows):
    train = trained(storage_root, tiny_model, tmp_path, technique, fmt, rows())
    result, events = run_direct(merge_payload(train), storage_root, tmp_path / "merge")
    assert result["status"] == "succeeded", result
    arts = result["artifacts"]
    assert arts and {a["kind"] for a in arts} == {"merged_model"}
    assert_artifact_kinds_in_contract(arts)
    names = {a["name"] for a in arts}
    assert "model.safetensors" in names and "config.json" in names and "README.md" in names
    assert any(n.startswith("tokenizer") for n in names)
    for a in arts:
        path = storage_root / a["key"]
        assert a["key"].startswith(train["outputPrefix"] + "artifacts/" + artifact_dir("merged_model") + "/")
        assert a["bytes"] == path.stat().st_size and len(a["sha256"]) == 64
    assert all(e["kind"] == "merge" and e["jobId"] == train["jobId"] for e in events)
    assert all(validate_event(e) == [] for e in events)
    card = (storage_root / train["outputPrefix"] / "artifacts" / artifact_dir("merged_model") / "README.md").read_text()
    assert "merged in" in card and train["jobId"] in card

    # plain transformers, no PEFT: the merged folder alone
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    folder = storage_root / train["outputPrefix"] / "artifacts" / artifact_dir("merged_model")
    cls = AutoModelForSequenceClassification if technique == "classification" else AutoModelForCausalLM
    merged = cls.from_pretrained(folder, dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    ref = BaseModelRef(name="ft", source="artifact", ref=train["outputPrefix"] + "artifacts/", revision=None,
                       artifact_kind="adapter", parent=BaseModelRef.from_payload(train["baseModel"]))
    both = load_for_inference(ref, LocalStorage(storage_root), tmp_path / "ref", dtype=torch.float32, device="cpu")
    batch = tok(["How do I reset my password?", "Order 42 never arrived"], return_tensors="pt", padding=True)
    with torch.inference_mode():
        want = both.model(**batch).logits
        got = merged(**batch).logits
        with both.base():
            base = both.model(**batch).logits
    assert torch.allclose(got, want, atol=1e-4, rtol=1e-4), (got - want).abs().max()
    assert not torch.allclose(base, want, atol=1e-4)  # the adapter did change something: the check is not vacuous


def test_a_full_fine_tune_is_refused(storage_root, tmp_path):
    storage = LocalStorage(storage_root)
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"payload": {"method": "full"}}))
    storage.upload(cfg, "jobs/job_full/artifacts/config.json")
    p = {"kind": "merge", "schemaVersion": 1, "jobId": "job_full", "teamId": "t",
         "baseModel": {"id": "b", "name": "b", "source": "local", "ref": str(tmp_path), "revision": None,
                       "artifactKind": None, "parent": None},
         "adapter": "jobs/job_full/artifacts/", "outputPrefix": "jobs/job_full/"}
    with pytest.raises(JobError, match="only a LoRA or QLoRA job"):
        run_direct(p, storage_root, tmp_path / "w")


def test_an_adapter_that_is_not_lora_is_refused():
    model = SimpleNamespace(peft_config={"default": SimpleNamespace(peft_type="PROMPT_TUNING")})
    with pytest.raises(JobError, match="only LoRA adapters"):
        check_mergeable(model)


def test_a_classification_head_that_does_not_fit_its_labels_is_refused():
    from whetstone_runner.jobs.merge import check_head

    merged = SimpleNamespace(score=torch.nn.Linear(8, 3))
    with pytest.raises(JobError, match="classification head mismatch"):
        check_head(merged, {0: "a", 1: "b"})
    check_head(merged, {0: "a", 1: "b", 2: "c"})


def test_the_agent_runs_a_merge_as_the_platform_enqueues_it(redis_url, tmp_path, tiny_model):
    """BullMQ id `merge_<jobId>` (jobs/merge-job-weights.ts): the agent's state events carry that id with kind
    "merge"; `succeeded` lists the merged_model artifacts the worker adds to the job."""
    from tests.agent_harness import AgentHarness

    storage = tmp_path / "storage"
    train = trained(storage, tiny_model, tmp_path)
    h = AgentHarness(redis_url, storage, tmp_path / "work")
    try:
        h.start()
        bull_id = h.add_job(merge_payload(train), job_id=f"merge_{train['jobId']}")
        done = h.wait_state(bull_id, "succeeded", timeout=120)
        assert {a["kind"] for a in done["artifacts"]} == {"merged_model"}
        assert {e.get("kind") for e in h.events() if e["type"] == "state" and e["jobId"] == bull_id} == {"merge"}
        h.assert_events_valid()
    finally:
        h.cleanup()
