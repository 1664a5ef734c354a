"""Each technique and method trains the tiny model for a few dozen steps, in this process (no agent)."""

from __future__ import annotations

import pytest
import torch

from tests.conftest import run_direct
from tests.helpers import (
    alpaca_rows,
    assert_artifact_kinds_in_contract,
    chat_rows,
    classification_rows,
    make_payload,
    prompt_completion_rows,
    text_rows,
)
from whetstone_runner.config import JobError
from whetstone_runner.storage import LocalStorage, download_prefix, sha256_file


def falls(events, name="train_loss") -> tuple[float, float]:
    series = [v for _s, v in events.metric(name)]
    assert len(series) >= 2, series
    first, last = series[0], min(series[-2:])
    assert last < first, series
    return first, last


def probe_logits(model, tokenizer) -> torch.Tensor:
    ids = tokenizer("My question is about parcel, thank you.", return_tensors="pt")
    with torch.no_grad():
        return model(**ids).logits.float().cpu()


def test_sft_chat_lora_learns_and_leaves_base_weights_untouched(tmp_path, storage_root, tiny_model):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    payload = make_payload(storage_root, tiny_model, [("support-chat", "chat", "jsonl", chat_rows(160))],
                           maxSteps=36, learningRate=5e-3, evalEverySteps=12, checkpointEverySteps=12)
    captured = {}

    def after_train(model, tokenizer):
        captured["logits"] = probe_logits(model, tokenizer)
        captured["base"] = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" not in n}

    result, events = run_direct(payload, storage_root, tmp_path / "work", after_train=after_train)
    assert result["status"] == "succeeded"
    falls(events)
    assert events.metric("val_loss")[-1][1] < events.metric("val_loss")[0][1]
    # base weights bit-identical
    original = load_file(str(tiny_model / "model.safetensors"))
    for name, p in captured["base"].items():
        key = name.replace("base_model.model.", "").replace(".base_layer", "")
        assert torch.equal(original[key], p), name
    # the artifact contract: adapter + tokenizer + config + metrics, each with size and sha256
    by_name = {(a["kind"], a["name"]): a for a in result["artifacts"]}
    for kind, name in [("adapter", "adapter_config.json"), ("adapter", "adapter_model.safetensors"),
                       ("tokenizer", "tokenizer.json"), ("config", "config.json"), ("metrics", "metrics.json")]:
        a = by_name[(kind, name)]
        assert a["key"].startswith(payload["outputPrefix"] + "artifacts/") and a["bytes"] > 0 and len(a["sha256"]) == 64
    assert result["summary"]["steps"] == 36 and "best_val_loss" in result["summary"]
    assert_artifact_kinds_in_contract(result["artifacts"])
    # the adapter loads back with PEFT and gives the logits of the model at the end of training
    storage = LocalStorage(storage_root)
    adapter = download_prefix(storage, payload["outputPrefix"] + "artifacts/adapter/", tmp_path / "adapter")
    tok = AutoTokenizer.from_pretrained(download_prefix(storage, payload["outputPrefix"] + "artifacts/tokenizer/",
                                                        tmp_path / "tok"))
    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), adapter).eval()
    torch.testing.assert_close(probe_logits(reloaded, tok), captured["logits"], rtol=1e-5, atol=1e-5)
    assert [c["step"] for c in events.of("checkpoint")][:3] == [12, 24, 36]
    # every checkpoint file with size and sha256, like artifacts, matching what storage holds
    ckpt = events.of("checkpoint")[0]
    assert "adapter_model.safetensors" in {f["name"] for f in ckpt["files"]}
    assert ckpt["bytes"] == sum(f["bytes"] for f in ckpt["files"])
    for f in ckpt["files"]:
        got = storage.download(ckpt["key"] + f["name"], tmp_path / "ckpt" / f["name"])
        assert sha256_file(got) == f["sha256"] and got.stat().st_size == f["bytes"], f["name"]


@pytest.mark.parametrize("fmt,container,rows", [
    ("alpaca", "jsonl", alpaca_rows(120)),
    ("prompt_completion", "csv", prompt_completion_rows(120)),
])
def test_sft_alpaca_and_prompt_completion(tmp_path, storage_root, tiny_model, fmt, container, rows):
    payload = make_payload(storage_root, tiny_model, [("qa", fmt, container, rows)], maxSteps=24, learningRate=5e-3)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    falls(events)


def test_continued_pretraining_with_packing(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("domain-text", "text", "jsonl", text_rows(200))],
                           technique="continued_pretraining", packing=True, maxSeqLength=64, maxSteps=30,
                           learningRate=5e-3)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    falls(events)
    # packed: every training sequence is full, so tokens seen = steps * batch * maxSeqLength
    assert result["summary"]["tokens_seen"] == 30 * 4 * 64


def test_classification_reaches_90_percent_accuracy(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("tickets", "classification", "csv", classification_rows(300))],
                           technique="classification", maxSteps=60, epochs=2, learningRate=1e-2, batchSize=8,
                           evalEverySteps=20, maxSeqLength=32)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    falls(events)
    assert events.metric("val_f1_macro"), "macro-F1 reported on the validation split"
    assert result["summary"]["val_accuracy"] >= 0.9, events.metric("val_accuracy")
    assert_artifact_kinds_in_contract(result["artifacts"])


def test_full_fine_tuning_writes_model_weights(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("qa", "prompt_completion", "tsv", prompt_completion_rows(120))],
                           method="full", maxSteps=24, learningRate=1e-3)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    falls(events)
    kinds = {(a["kind"], a["name"]) for a in result["artifacts"]}
    assert ("model", "model.safetensors") in kinds and ("model", "config.json") in kinds
    assert not any(k == "adapter" for k, _ in kinds)
    assert_artifact_kinds_in_contract(result["artifacts"])


def test_transfer_from_adapter_and_merged_artifacts(tmp_path, storage_root, tiny_model):
    first = make_payload(storage_root, tiny_model, [("support-chat", "chat", "jsonl", chat_rows(120))],
                         maxSteps=24, learningRate=5e-3, mergeWeights=True)
    r1, ev1 = run_direct(first, storage_root, tmp_path / "w1")
    assert ("merged_model", "model.safetensors") in {(a["kind"], a["name"]) for a in r1["artifacts"]}
    assert_artifact_kinds_in_contract(r1["artifacts"])
    tiny = {"id": "bm_tiny", "name": "tiny-llama", "source": "local", "ref": str(tiny_model), "revision": None,
            "artifactKind": None, "parent": None}
    for kind in ("adapter", "merged"):
        second = make_payload(storage_root, tiny_model, [("more-chat", "alpaca", "jsonl", alpaca_rows(120))],
                              maxSteps=12, learningRate=5e-3, evalEverySteps=4)
        second["baseModel"] = {"id": "bm_prev", "name": "support-v1", "source": "artifact",
                               "ref": first["outputPrefix"] + "artifacts/", "revision": None, "artifactKind": kind,
                               "parent": tiny if kind == "adapter" else None}
        r2, ev2 = run_direct(second, storage_root, tmp_path / f"w2-{kind}")
        assert r2["status"] == "succeeded"
        # it starts where the first job ended, not from the untrained base
        assert ev2.metric("train_loss")[0][1] < ev1.metric("train_loss")[0][1] - 0.1
        if kind == "adapter":
            # A third generation: an adapter whose parent is an adapter (an active-learning project's third round).
            # It loads on the weights under the chain, and starts where the second job ended.
            third = make_payload(storage_root, tiny_model, [("more-chat", "alpaca", "jsonl", alpaca_rows(120))],
                                 maxSteps=12, learningRate=5e-3, evalEverySteps=4)
            third["baseModel"] = {"id": "bm_prev2", "name": "support-v2", "source": "artifact",
                                  "ref": second["outputPrefix"] + "artifacts/", "revision": None,
                                  "artifactKind": "adapter", "parent": second["baseModel"]}
            r3, ev3 = run_direct(third, storage_root, tmp_path / "w3")
            assert r3["status"] == "succeeded"
            assert ev3.metric("train_loss")[0][1] < ev2.metric("train_loss")[0][1] - 0.05


def test_multi_task_mix_reports_val_loss_per_dataset(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("support-chat", "chat", "jsonl", chat_rows(100)),
                                                      ("routing", "alpaca", "jsonl", alpaca_rows(100))],
                           maxSteps=20, learningRate=5e-3, evalEverySteps=10)
    payload["datasets"][0]["weight"] = 3
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    falls(events)
    last = [e["values"] for e in events.of("metric") if "val_loss" in e["values"]][-1]
    assert {"val_loss:support-chat", "val_loss:routing"} <= set(last)
    assert "val_loss:support-chat" in result["summary"]
    # the weighted mean of the per-dataset losses
    expected = (3 * last["val_loss:support-chat"] + last["val_loss:routing"]) / 4
    assert last["val_loss"] == pytest.approx(expected)


def test_resume_after_a_crash_matches_an_uninterrupted_run(tmp_path, storage_root, tiny_model):
    kw = dict(maxSteps=24, epochs=2, learningRate=5e-3, evalEverySteps=8, checkpointEverySteps=8, loraDropout=0.1)
    rows = chat_rows(80)
    straight = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", rows)], **kw)
    r_straight, ev_straight = run_direct(straight, storage_root, tmp_path / "a")

    crashed = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", rows)], **kw)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_direct(crashed, storage_root, tmp_path / "b1", fault="raise_after:8")
    r_resumed, ev_resumed = run_direct(crashed, storage_root, tmp_path / "b2")  # the retry, on a fresh disk
    assert any(e["message"] == "resuming from checkpoint step-8" for e in ev_resumed.of("log"))
    assert r_resumed["summary"]["steps"] == r_straight["summary"]["steps"] == 24
    assert ev_resumed.metric("train_loss")[0][0] > 8  # it did not start from zero
    assert r_resumed["summary"]["final_train_loss"] == pytest.approx(r_straight["summary"]["final_train_loss"], rel=1e-3)
    assert r_resumed["summary"]["best_val_loss"] == pytest.approx(r_straight["summary"]["best_val_loss"], rel=1e-3)


def test_early_stopping_keeps_the_best_weights(tmp_path, storage_root, tiny_model):
    # a learning rate far too high makes validation loss rise after a while
    payload = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", chat_rows(120))], method="full",
                           maxSteps=60, epochs=3, learningRate=0.05, evalEverySteps=2, earlyStoppingPatience=2)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["summary"]["steps"] < 60
    assert any("early stopping" in e["message"] for e in events.of("log"))
    vals = events.metric("val_loss")
    assert result["summary"]["best_val_loss"] == pytest.approx(min(v for _s, v in vals))


def test_qlora_on_cpu_fails_before_any_work(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", chat_rows(10))], method="qlora")
    payload["datasets"][0]["key"] = "datasets/does/not/exist.jsonl"  # proves nothing was read
    with pytest.raises(JobError, match="QLoRA needs a CUDA GPU; this runner has none"):
        run_direct(payload, storage_root, tmp_path / "work")
    assert not (tmp_path / "work").exists()


@pytest.mark.gpu
def test_qlora_on_cuda(tmp_path, storage_root, tiny_model):
    assert torch.cuda.is_available()
    payload = make_payload(storage_root, tiny_model, [("c", "chat", "jsonl", chat_rows(80))], method="qlora",
                           maxSteps=12, learningRate=5e-3, mergeWeights=True)
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    falls(events)


def test_hub_ids_load_through_from_pretrained_and_respect_offline_mode(tmp_path, storage_root, tiny_model):
    rows = [("c", "chat", "jsonl", chat_rows(40))]
    payload = make_payload(storage_root, tiny_model, rows, maxSteps=4)
    payload["baseModel"].update(source="huggingface", ref=str(tiny_model))  # a Hub id or a path: from_pretrained
    assert run_direct(payload, storage_root, tmp_path / "a")[0]["status"] == "succeeded"
    payload = make_payload(storage_root, tiny_model, rows, maxSteps=4)
    payload["baseModel"].update(source="huggingface", ref="whetstone-tests/not-a-cached-model")
    with pytest.raises(JobError, match="not in this runner's Hugging Face cache and HF_HUB_OFFLINE is set"):
        run_direct(payload, storage_root, tmp_path / "b")
