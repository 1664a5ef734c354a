"""Preference tuning (DPO through TRL's DPOTrainer) on the tiny model: the preferred answers become likelier than the
rejected ones on the same pairs (LoRA and full fine-tuning, both row shapes), and the evaluation report compares the
fine-tune with its base on held-out pairs."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.conftest import run_direct
from tests.helpers import (
    assert_artifact_kinds_in_contract,
    example_payload,
    make_payload,
    preference_rows,
    write_jsonl,
)
from tests.test_evaluate import adapter_ref, evaluate_payload, local_ref
from whetstone_runner.config import Hyperparameters, JobError
from whetstone_runner.data import read_rows
from whetstone_runner.evaluation.preference import answer_logps
from whetstone_runner.storage import LocalStorage, download_prefix
from whetstone_runner.techniques import preference

DPO = dict(technique="preference", maxSteps=16, learningRate=3e-2, beta=0.1, maxSeqLength=64, evalEverySteps=8,
           checkpointEverySteps=8)


def likelihoods(model, tokenizer, rows: list[dict]) -> dict:
    """On these pairs: the mean of log p(chosen) − log p(rejected) per token and summed, and the share of pairs whose
    chosen answer is the likelier one per token."""
    pairs = [preference.pair(r) for r in rows]
    prompts = [p for p, _c, _r in pairs]
    c, cn = answer_logps(model, tokenizer, prompts, [c for _p, c, _r in pairs], 64)
    r, rn = answer_logps(model, tokenizer, prompts, [r for _p, _c, r in pairs], 64)
    per_token = np.array(c) / np.array(cn) - np.array(r) / np.array(rn)
    return {"margin_per_token": float(per_token.mean()), "accuracy": float((per_token > 0).mean()),
            "margin_sum": float(np.mean(np.array(c) - np.array(r)))}


def test_dpo_lora_makes_the_preferred_answers_likelier_and_leaves_the_base_untouched(tmp_path, storage_root, tiny_model):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    rows = preference_rows(48)
    payload = make_payload(storage_root, tiny_model, [("prefs", "preference", "jsonl", rows)], **DPO)
    tok = AutoTokenizer.from_pretrained(tiny_model)
    before = likelihoods(AutoModelForCausalLM.from_pretrained(tiny_model).eval(), tok, rows)
    captured = {}

    def after_train(model, tokenizer):
        captured["after"] = likelihoods(model, tokenizer, rows)
        captured["adapters"] = list(model.peft_config)
        captured["base"] = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_" not in n}

    result, events = run_direct(payload, storage_root, tmp_path / "work", after_train=after_train)
    after = captured["after"]
    print(f"\nDPO LoRA, same {len(rows)} pairs: before {before}\n                        after  {after}")
    assert result["status"] == "succeeded" and result["summary"]["steps"] == 16
    # the preferred answer's log-likelihood, relative to the rejected one, rises on the same pairs
    assert after["margin_per_token"] > before["margin_per_token"] + 0.1
    assert after["margin_sum"] > before["margin_sum"]
    assert after["accuracy"] >= 0.9 > before["accuracy"]
    # TRL's rewards/accuracies and rewards/margins, under Whetstone's names, from evaluations and from training logs
    assert events.metric("val_reward_accuracy")[-1][1] >= 0.9 and events.metric("val_reward_margin")[-1][1] > 0
    assert events.metric("train_reward_accuracy") and events.metric("train_reward_margin")
    assert {"val_reward_accuracy", "val_reward_margin", "best_val_loss"} <= set(result["summary"])
    # the frozen base: bit-identical; TRL's reference copy of the adapter is gone before saving
    original = load_file(str(tiny_model / "model.safetensors"))
    for name, p in captured["base"].items():
        assert torch.equal(original[name.replace("base_model.model.", "").replace(".base_layer", "")], p), name
    assert captured["adapters"] == ["default"]
    names = {(a["kind"], a["name"]) for a in result["artifacts"]}
    assert {("adapter", "adapter_model.safetensors"), ("adapter", "adapter_config.json")} <= names
    assert not any("/ref/" in a["key"] for a in result["artifacts"])
    assert_artifact_kinds_in_contract(result["artifacts"])
    assert [c["step"] for c in events.of("checkpoint")] == [8, 16]
    # the saved adapter on its base prefers the preferred answers as much as the model at the end of training
    storage = LocalStorage(storage_root)
    adapter = download_prefix(storage, payload["outputPrefix"] + "artifacts/adapter/", tmp_path / "adapter")
    reloaded = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model), adapter).eval()
    assert likelihoods(reloaded, tok, rows)["margin_per_token"] == pytest.approx(after["margin_per_token"], abs=1e-5)


def test_dpo_resumes_after_a_crash_like_an_uninterrupted_run(tmp_path, storage_root, tiny_model):
    rows = preference_rows(40)
    straight = make_payload(storage_root, tiny_model, [("p", "preference", "jsonl", rows)], **DPO)
    r_straight, _ = run_direct(straight, storage_root, tmp_path / "a")
    crashed = make_payload(storage_root, tiny_model, [("p", "preference", "jsonl", rows)], **DPO)
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_direct(crashed, storage_root, tmp_path / "b1", fault="raise_after:8")
    r_resumed, ev_resumed = run_direct(crashed, storage_root, tmp_path / "b2")  # the retry, on a fresh disk
    assert any(e["message"] == "resuming from checkpoint step-8" for e in ev_resumed.of("log"))
    assert r_resumed["summary"]["steps"] == r_straight["summary"]["steps"] == 16
    # the reference after a resume is the model before tuning again, not the checkpoint's weights
    for key in ("best_val_loss", "val_reward_margin"):
        assert r_resumed["summary"][key] == pytest.approx(r_straight["summary"][key], rel=1e-3), key


def test_dpo_full_fine_tuning_on_openai_rows_trains_against_a_frozen_copy(tmp_path, storage_root, tiny_model):
    rows = preference_rows(40, shape="openai")
    payload = make_payload(storage_root, tiny_model, [("prefs", "preference", "jsonl", rows)],
                           **(DPO | {"method": "full", "maxSteps": 8, "learningRate": 2e-3, "checkpointEverySteps": 100}))
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    assert events.metric("val_reward_margin")[-1][1] > 0
    names = {(a["kind"], a["name"]) for a in result["artifacts"]}
    assert ("model", "model.safetensors") in names and not any(k == "adapter" for k, _ in names)

    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    ref = preference.trainer_kwargs(model)["ref_model"]
    assert ref is not model and not any(p.requires_grad for p in ref.parameters())
    assert all(torch.equal(a, b) and a.data_ptr() != b.data_ptr()
               for a, b in zip(model.parameters(), ref.parameters(), strict=True))


def test_dpo_evaluation_report_compares_fine_tune_and_base_on_held_out_pairs(tmp_path, storage_root, tiny_model):
    rows = [r | {"id": i} for i, r in enumerate(preference_rows(80, seed=9))]
    train = make_payload(storage_root, tiny_model, [("prefs", "preference", "jsonl", rows)], **(DPO | {"testSplit": 0.25}))
    assert run_direct(train, storage_root, tmp_path / "train")[0]["status"] == "succeeded"
    base = local_ref(tiny_model)
    payload = evaluate_payload(train, [base, adapter_ref(train, base)], maxSeqLength=64)
    result, _events = run_direct(payload, storage_root, tmp_path / "eval")
    assert result["status"] == "succeeded"
    report = json.loads((storage_root / result["artifacts"][0]["key"]).read_text())
    assert report["technique"] == "preference" and report["models"] == ["base", "fine-tune"]
    [task] = report["tasks"]
    assert task["examples"] == 20 and task["primaryMetric"] == "preference_accuracy"
    base_scores, ft = task["models"]["base"], task["models"]["fine-tune"]
    print(f"\nheld-out pairs: base {base_scores['scores']}, fine-tune {ft['scores']}, implicit reward "
          f"{ft['implicitReward']}\n{report['headline']}")
    assert "implicitReward" not in base_scores  # 0 by definition for the reference
    assert ft["implicitReward"]["accuracy"] >= 0.9 and ft["implicitReward"]["margin"] > 0
    [comparison] = report["comparisons"]
    primary = next(m for m in comparison["metrics"] if m["metric"] == "preference_accuracy")
    assert primary["verdict"] == "better" and primary["ciLow"] > 0
    assert comparison["headline"].startswith("The fine-tuned model beats the base on preference accuracy")
    gained = comparison["flips"]["prefs"]["gained"]
    assert gained["count"] > 0 and gained["examples"][0]["reference"].startswith("preferred: ")
    assert gained["examples"][0]["candidate"].startswith("prefers the preferred answer")


def test_rows_of_both_shapes_become_trl_rows(tiny_model):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    user, bot = {"role": "user", "content": "q"}, {"role": "assistant", "content": "good"}
    bad = {"role": "assistant", "content": "bad"}
    expected = ([user], [bot], [bad])
    assert preference.pair({"prompt": "q", "chosen": "good", "rejected": "bad"}) == expected
    assert preference.pair({"input": {"messages": [user]}, "preferred_output": [bot], "non_preferred_output": [bad]}) \
        == expected
    assert preference.pair({"chosen": [user, bot], "rejected": [user, bad]}) == expected  # implicit prompt
    assert preference.to_trl(tok, {"prompt": "q", "chosen": "good", "rejected": "bad"}) == \
        {"prompt": [user], "chosen": [bot], "rejected": [bad]}  # a chat template: conversational, TRL renders it
    tok.chat_template = None  # no template: SFT's plain rendering, as strings
    assert preference.to_trl(tok, {"prompt": "q", "chosen": "good", "rejected": "bad"}) == \
        {"prompt": "### User:\nq\n\n### Assistant:\n", "chosen": "good\n\n", "rejected": "bad\n\n"}
    with pytest.raises(JobError, match="hyperparameters.beta"):
        preference.config_kwargs(make_hp(beta=None))


def make_hp(**kw):
    return Hyperparameters.from_payload(example_payload(0)["hyperparameters"] | kw)


def test_the_reader_checks_one_of_the_shapes_and_names_the_missing_field(tmp_path):
    good = write_jsonl(tmp_path / "a.jsonl", preference_rows(2) + preference_rows(2, shape="openai"))
    assert len(read_rows(good, "jsonl", "preference", "prefs")) == 4
    bad = write_jsonl(tmp_path / "b.jsonl", [preference_rows(1)[0], {"prompt": "q", "chosen": "a"}])
    with pytest.raises(JobError, match="dataset 'prefs' line 2: field 'rejected' is missing"):
        read_rows(bad, "jsonl", "preference", "prefs")
    worse = write_jsonl(tmp_path / "c.jsonl", [{"input": {"messages": []}, "preferred_output": [{"role": "assistant",
                                                                                              "content": "a"}]}])
    with pytest.raises(JobError, match="field 'non_preferred_output' is missing"):
        read_rows(worse, "jsonl", "preference", "prefs")


@pytest.mark.gpu
@pytest.mark.parametrize("method", ["lora", "qlora", "full"])
def test_dpo_on_cuda(tmp_path, storage_root, tiny_model, method):
    assert torch.cuda.is_available()
    payload = make_payload(storage_root, tiny_model, [("prefs", "preference", "jsonl", preference_rows(48))],
                           **(DPO | {"method": method, "learningRate": 3e-2 if method != "full" else 2e-3}))
    result, events = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    assert events.metric("val_reward_accuracy")[-1][1] >= 0.9
