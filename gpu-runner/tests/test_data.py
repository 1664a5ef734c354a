"""Data handling: formats, answer-only labels, seeded splits, weighted mixing, packing."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.helpers import chat_rows, classification_rows, text_rows, write_delimited, write_jsonl
from whetstone_runner.config import JobError
from whetstone_runner.data import IGNORE, carve_test, mix, read_rows, split
from whetstone_runner.techniques.continued_pretraining import tokenize_texts
from whetstone_runner.techniques.sft import to_messages, tokenize_sft


@pytest.fixture(scope="module")
def tokenizer(tiny_model):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model)


def test_loss_is_on_the_answer_tokens_only(tokenizer):
    msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Where is my parcel?"},
            {"role": "assistant", "content": "It arrives Friday."}, {"role": "user", "content": "Thanks"},
            {"role": "assistant", "content": "You are welcome."}]
    item = tokenize_sft(tokenizer, msgs, 512)
    answer = tokenizer.decode([t for t, lab in zip(item["input_ids"], item["labels"], strict=False) if lab != IGNORE])
    assert "It arrives Friday." in answer and "You are welcome." in answer
    assert "parcel" not in answer and "Be brief" not in answer and "Thanks" not in answer
    assert answer.count("<|im_end|>") == 2  # the model learns to end its turn


def test_alpaca_and_prompt_completion_become_chat():
    assert to_messages({"instruction": "Sum", "input": "1 2", "output": "3"}, "alpaca")[0]["content"] == "Sum\n\n1 2"
    assert to_messages({"prompt": "a", "completion": "b"}, "prompt_completion")[1] == {"role": "assistant", "content": "b"}


def test_split_is_seeded_and_holds_out_the_fraction():
    rows = list(range(100))
    tr, va = split(rows, 0.2, seed=7)
    assert len(va) == 20 and sorted(tr + va) == rows
    assert split(rows, 0.2, seed=7) == (tr, va) and split(rows, 0.2, seed=8) != (tr, va)


def test_test_split_is_carved_first_seeded_and_never_trained_on():
    from tests.helpers import example_payload
    from whetstone_runner.config import TrainingConfig
    from whetstone_runner.techniques.technique import Technique
    from whetstone_runner.training.datasets import prepare

    rows = list(range(50))
    test, rest = carve_test(rows, 0.1, seed=42)
    assert len(test) == 5 and sorted(test + rest) == rows and rest == sorted(rest)  # the rest keeps its order
    assert carve_test(rows, 0.1, seed=42) == (test, rest) and carve_test(rows, 0.1, seed=43)[0] != test
    assert carve_test(rows, 0, seed=42) == ([], rows)
    assert carve_test([1, 2], 0.5, seed=0)[0] in ([1], [2]) and len(carve_test([1], 0.5, seed=0)[1]) == 1  # >= 1 train row

    # the train job's prepare: dataset i carved with seed + i; its test rows reach neither training nor validation
    payload = example_payload(0)
    payload["hyperparameters"] |= {"testSplit": 0.2, "validationSplit": 0.25, "seed": 7}
    payload["datasets"] = [payload["datasets"][0] | {"name": n, "format": "text"} for n in ("a", "b")]
    cfg = TrainingConfig.from_payload(payload)
    raw = [[{"text": f"{n}{k}"} for k in range(40)] for n in ("a", "b")]
    seen = Technique(name="continued_pretraining", tokenize=lambda tok, fmt, rs, hp, l2i: ([{"row": r} for r in rs], 0))
    prep = prepare(cfg, seen, None, raw, None, lambda *a: None)
    trained = {x["row"]["text"] for x in prep.train} | {x["row"]["text"] for v in prep.val.values() for x in v}
    for i, rows_i in enumerate(raw):
        held = {r["text"] for r in carve_test(rows_i, 0.2, seed=7 + i)[0]}
        assert len(held) == 8 and not held & trained
        assert {r["text"] for r in rows_i} - held <= trained


def test_weighted_mix_matches_the_weights_within_tolerance():
    """Tolerance: each dataset's share of the mix is within 1% (one row in 100) of its weight share."""
    parts = [[("a", i) for i in range(300)], [("b", i) for i in range(50)], [("c", i) for i in range(650)]]
    weights = [3.0, 1.0, 1.0]
    mixed, idx = mix(parts, weights, seed=1)
    assert len(mixed) == 1000
    share = Counter(idx)
    for i, w in enumerate(weights):
        assert abs(share[i] / len(mixed) - w / sum(weights)) <= 0.01
    # the small part is repeated evenly: every row at least twice before any row four times
    counts = Counter(r for r in mixed if r[0] == "b")
    assert min(counts.values()) >= 3 and max(counts.values()) <= 4


def test_packing_fills_every_block(tokenizer):
    texts = [r["text"] for r in text_rows(50)]
    packed = tokenize_texts(tokenizer, texts, 64, packing=True)
    assert all(len(b["input_ids"]) == 64 for b in packed)
    unpacked = tokenize_texts(tokenizer, texts, 64, packing=False)
    assert len(unpacked) == 50 and len(packed) < 50


def test_csv_tsv_jsonl_and_bad_rows(tmp_path):
    rows = classification_rows(5)
    for container, delim in (("csv", ","), ("tsv", "\t")):
        path = write_delimited(tmp_path / f"d.{container}", rows, delim)
        assert read_rows(path, container, "classification", "d") == rows
    path = write_jsonl(tmp_path / "c.jsonl", chat_rows(3) + [{"messages": [{"role": "user", "content": "hi"}]}])
    with pytest.raises(JobError, match=r"line 4: field 'messages' has no assistant turn"):
        read_rows(path, "jsonl", "chat", "support")
    path = write_jsonl(tmp_path / "r.jsonl", [{"messages": [{"role": "tool", "content": "{}"},
                                                             {"role": "assistant", "content": "ok"}]}])
    with pytest.raises(JobError, match=r"line 1: field 'messages\[0\].role' must be one of"):
        read_rows(path, "jsonl", "chat", "support")  # the contract's chatRoles, as the upload parser checks
    path = write_jsonl(tmp_path / "t.jsonl", [{"text": "ok"}, {"txt": "oops"}])
    with pytest.raises(JobError, match=r"dataset 'notes' line 2: field 'text' is missing"):
        read_rows(path, "jsonl", "text", "notes")
