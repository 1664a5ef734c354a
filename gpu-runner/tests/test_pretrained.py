"""The real pretrained model (SmolLM2-135M-Instruct, converted once from its GGUF) and the real sample datasets."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.real_model import sample_data_dir, smollm2_dir  # noqa: F401  (pytest fixtures)
from whetstone_runner import pretrained, sample_data

ENGLISH = "The weather was sunny and warm, so we went for a long walk in the park and had lunch by the river."


@pytest.fixture(scope="module")
def smollm2(smollm2_dir):  # noqa: F811
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.monotonic()
    model = AutoModelForCausalLM.from_pretrained(smollm2_dir)
    tokenizer = AutoTokenizer.from_pretrained(smollm2_dir)
    return model.eval(), tokenizer, time.monotonic() - started


def next_token_loss(model, tokenizer, text: str) -> float:
    import torch

    batch = tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        return model(**batch, labels=batch["input_ids"]).loss.item()


def test_the_conversion_is_a_plain_checkpoint_that_loads_in_seconds(smollm2_dir, smollm2):  # noqa: F811
    model, tokenizer, load_seconds = smollm2
    config = json.loads((smollm2_dir / "config.json").read_text())
    assert "quantization_config" not in config and config["dtype"] == "bfloat16"
    assert (smollm2_dir / "model.safetensors").stat().st_size < 300e6  # bf16: 2 bytes a parameter
    assert load_seconds < 60  # measured 3 s on 2 idle cores, 15 s on 2 busy ones; a GGUF load would dequantize first
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    info = pretrained.read_info(smollm2_dir)
    assert info["parameterCount"] == 134_515_008 and info["contextLength"] == model.config.max_position_embeddings == 8192
    prompt = tokenizer.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True, tokenize=False)
    assert prompt.endswith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")


def test_it_knows_english_and_answers_in_it(smollm2, tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tokenizer, _ = smollm2
    loss = next_token_loss(model, tokenizer, ENGLISH)
    tiny = AutoModelForCausalLM.from_pretrained(tiny_model), AutoTokenizer.from_pretrained(tiny_model)
    tiny_loss = next_token_loss(*tiny, ENGLISH)
    assert loss < 4.0 and loss < tiny_loss - 2.5, (loss, tiny_loss)  # measured: 2.8 against 6.9 (random over 1,024 tokens)

    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "What is the capital of France?"}], add_generation_prompt=True, return_tensors="pt",
        return_dict=True,
    )
    out = model.generate(**prompt, max_new_tokens=12, do_sample=False)
    assert "Paris" in tokenizer.decode(out[0, prompt["input_ids"].shape[1]:], skip_special_tokens=True)


def test_a_second_conversion_returns_at_once_and_a_failed_one_leaves_nothing(smollm2_dir, tmp_path, monkeypatch):  # noqa: F811
    started = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "whetstone_runner.pretrained", "--out", str(smollm2_dir)],
                         capture_output=True, text=True, check=True).stdout
    assert time.monotonic() - started < 10  # no torch import: it reads whetstone-model.json
    assert json.loads(out.splitlines()[-1]) == pretrained.read_info(smollm2_dir)

    def interrupted(folder: Path, dtype: str) -> dict:
        (folder / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    (tmp_path / ".model.partial-4194305-x1").mkdir()  # left by a conversion that was killed (no such process)
    monkeypatch.setattr(pretrained, "_convert_into", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pretrained.convert(tmp_path / "model")
    assert list(tmp_path.iterdir()) == []


def test_sample_data_real_labels_no_duplicates_and_a_stable_split(tmp_path):
    summary = json.loads(subprocess.run([sys.executable, "-m", "whetstone_runner.sample_data", "--out", str(tmp_path / "all")],
                                        capture_output=True, text=True, check=True).stdout)
    files = summary["files"]
    labels = {"bbc-news-topics": set(sample_data.BBC_LABELS), "airline-sentiment": set(sample_data.SENTIMENT_LABELS)}
    at_least = {"bbc-news-topics": 2100, "airline-sentiment": 14_300}  # of 2,225 articles and 14,638 airline tweets
    for name, want in labels.items():
        rows = {part: read(tmp_path / "all" / f"{name}.{part}.jsonl") for part in ("train", "test")}
        texts = [r["text"] for part in rows.values() for r in part]
        assert all(set(r) == {"text", "label"} and r["text"] for part in rows.values() for r in part)
        assert len(texts) == len(set(texts)) >= at_least[name]  # no duplicate text, none shared by train and test
        assert {r["label"] for r in rows["train"]} == {r["label"] for r in rows["test"]} == want
        assert abs(len(rows["test"]) - 0.2 * len(texts)) < 0.01 * len(texts)
        assert files[f"{name}.train.jsonl"]["rows"] == len(rows["train"])

        sft = read(tmp_path / "all" / f"{name}-sft.train.jsonl")
        assert [m["role"] for m in sft[0]["messages"]] == ["user", "assistant"]
        assert [r["messages"][1]["content"] for r in sft] == [r["label"] for r in rows["train"]]
        assert all(r["messages"][0]["content"].endswith(t["text"]) for r, t in zip(sft, rows["train"], strict=True))

    short = sample_data.write(tmp_path / "short", rows=30, test_rows=12, max_chars=200)
    assert short["files"]["airline-sentiment.train.jsonl"]["rows"] == 30
    for name in labels:
        cut = read(tmp_path / "short" / f"{name}.test.jsonl")
        full = read(tmp_path / "all" / f"{name}.test.jsonl")
        assert len(cut) == 12 and all(len(r["text"]) <= 201 for r in cut)
        assert [r["label"] for r in cut] == [r["label"] for r in full[:12]]  # the same test rows, only shortened


def test_sample_data_fixture_is_short(sample_data_dir):  # noqa: F811
    rows = read(sample_data_dir / "airline-sentiment-sft.train.jsonl")
    assert len(rows) == 64 and Counter(r["messages"][1]["content"] for r in rows).keys() <= set(sample_data.SENTIMENT_LABELS)


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
