"""The model card a train job writes into each folder a user takes away (adapter, full model, merged weights)."""

from __future__ import annotations

from tests.conftest import run_direct
from tests.helpers import chat_rows, classification_rows, make_payload
from whetstone_runner.training.model_card import EVALUATION_END, EVALUATION_START


def _card(storage_root, result, kind: str) -> str:
    a = next(a for a in result["artifacts"] if a["kind"] == kind and a["name"] == "README.md")
    return (storage_root / a["key"]).read_text(encoding="utf-8")


def test_lora_job_writes_a_card_in_the_adapter_and_the_merged_folder(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("support-chat", "chat", "jsonl", chat_rows(40))], maxSteps=4,
                           evalEverySteps=2, mergeWeights=True, loraR=12)
    result, _ = run_direct(payload, storage_root, tmp_path / "work")
    assert result["status"] == "succeeded"
    card = _card(storage_root, result, "adapter")
    assert card.startswith("---\nbase_model: " + str(tiny_model) + "\nlibrary_name: peft\n")
    assert "# Fine-tune of tiny-llama" in card
    assert "| support-chat | chat | 40 | 1 |" in card  # the data
    assert "| lora_r | 12 |" in card and "| learning_rate | 0.002 |" in card  # the hyperparameters
    assert "| steps | 4 |" in card  # the training results
    start, end = card.index(EVALUATION_START), card.index(EVALUATION_END)
    assert "Not evaluated when this card was written" in card[start:end]
    assert "PeftModel.from_pretrained(base, \".\")" in card
    assert f"vllm serve {tiny_model} --enable-lora --max-lora-rank 16" in card  # 12 rounds up to a rank vLLM takes
    assert "Model Card for Model ID" not in card  # PEFT's empty template is replaced
    merged = _card(storage_root, result, "merged_model")
    assert "library_name: transformers" in merged and "vllm serve $PWD" in merged


def test_classification_card_has_no_serving_commands(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("tickets", "classification", "jsonl", classification_rows(40))],
                           technique="classification", method="full", maxSteps=2, evalEverySteps=2)
    result, _ = run_direct(payload, storage_root, tmp_path / "work")
    card = _card(storage_root, result, "model")
    assert "pipeline_tag: text-classification" in card and "AutoModelForSequenceClassification" in card
    assert "vllm" not in card
