"""An explicit validation set (payload `validationDatasets`, OpenAI's validation_file): validated on in full, by its
name, with nothing held out of the training data."""

from __future__ import annotations

import random

import pytest

from tests.conftest import run_direct
from tests.helpers import chat_rows, classification_rows, make_payload, sha256, write_jsonl
from whetstone_runner.config import JobError


def with_validation_set(payload: dict, storage_root, name: str, fmt: str, rows: list[dict]) -> dict:
    key = f"datasets/team_example/{payload['jobId']}_val/data.jsonl"
    path = write_jsonl(storage_root / key, rows)
    payload["validationDatasets"] = [{"datasetVersionId": "dv_val", "name": name, "key": key, "format": fmt,
                                      "container": "jsonl", "weight": 1, "rows": len(rows), "sha256": sha256(path)}]
    return payload


def gibberish_chat(n: int) -> list[dict]:
    """Answers no training row predicts: random letters."""
    rng = random.Random(9)
    word = lambda: "".join(rng.choice("qxzjkvw") for _ in range(rng.randint(3, 9)))  # noqa: E731
    return [{"messages": [{"role": "user", "content": " ".join(word() for _ in range(5))},
                          {"role": "assistant", "content": " ".join(word() for _ in range(12))}]} for _ in range(n)]


def last_val(events) -> dict:
    return [e["values"] for e in events.of("metric") if "val_loss" in e["values"]][-1]


KW = dict(maxSteps=30, epochs=3, learningRate=1e-2, evalEverySteps=10, validationSplit=0.25)


def test_the_given_rows_are_validated_and_nothing_is_held_out(tmp_path, storage_root, tiny_model):
    train = chat_rows(40)
    fits = with_validation_set(make_payload(storage_root, tiny_model, [("support", "chat", "jsonl", train)], **KW),
                               storage_root, "support-val", "chat", chat_rows(7, seed=11))
    result, events = run_direct(fits, storage_root, tmp_path / "a")
    assert result["status"] == "succeeded"
    lines = [e["message"] for e in events.of("log")]
    # all 40 training rows train (validationSplit 0.25 is not applied); the 7 given rows validate
    assert any(m.startswith("40 training examples, validation: support-val=7") for m in lines), lines
    card = (storage_root / fits["outputPrefix"] / "artifacts" / "adapter" / "README.md").read_text()
    assert "nothing for validation: validated on **support-val** (7 rows" in card
    ok = last_val(events)
    assert "val_loss" in ok and result["summary"]["best_val_loss"] == pytest.approx(
        min(v for _s, v in events.metric("val_loss")))

    # The same training run validated on rows it cannot fit: a far higher val_loss, so those rows are the ones
    # evaluated (not a share of the training data).
    odd = with_validation_set(make_payload(storage_root, tiny_model, [("support", "chat", "jsonl", train)], **KW),
                              storage_root, "noise", "chat", gibberish_chat(5))
    result2, events2 = run_direct(odd, storage_root, tmp_path / "b")
    assert result2["status"] == "succeeded"
    assert any(e["message"].startswith("40 training examples, validation: noise=5") for e in events2.of("log"))
    assert last_val(events2)["val_loss"] > ok["val_loss"] + 0.5
    # the training side was the same
    assert result2["summary"]["final_train_loss"] == pytest.approx(result["summary"]["final_train_loss"], rel=1e-3)


def test_a_validation_label_the_training_data_lacks_is_a_clear_failure(tmp_path, storage_root, tiny_model):
    payload = make_payload(storage_root, tiny_model, [("tickets", "classification", "jsonl", classification_rows(30))],
                           technique="classification", **KW)
    rows = classification_rows(4, seed=8) + [{"text": "where is my invoice", "label": "billing"}]
    with_validation_set(payload, storage_root, "tickets-val", "classification", rows)
    with pytest.raises(JobError, match=r"validationDatasets\.0: .*'billing'"):
        run_direct(payload, storage_root, tmp_path / "w")
