"""The `augment` job: new rows with their provenance, never from held-out rows, near duplicates of existing rows
dropped; perturbations, a model of the team, an OpenAI-compatible endpoint; and the trainer keeps generated rows out
of its validation and test splits."""

from __future__ import annotations

import dataclasses
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.helpers import chat_rows, classification_rows, example_payload, make_payload, sha256, write_jsonl
from whetstone_runner import contract
from whetstone_runner.config import JobError, TrainingConfig
from whetstone_runner.data import carve_test, is_generated, split
from whetstone_runner.events import make_event
from whetstone_runner.jobs.augment import parse_config, run_augment_job, seed_rows
from whetstone_runner.jobs.context import JobContext
from whetstone_runner.schema import validate_event, validate_payload
from whetstone_runner.storage import LocalStorage
from whetstone_runner.techniques import get as technique
from whetstone_runner.training.datasets import prepare


def augment_payload(storage_root, rows, fmt, *, index=0, **over):
    p = example_payload(index, kind="augment")
    key = f"datasets/team_example/aug_src/{fmt}.jsonl"
    path = write_jsonl(storage_root / key, rows)
    p["source"] = {"datasetVersionId": "dv_src", "name": "src", "key": key, "format": fmt, "container": "jsonl",
                   "weight": 1, "rows": len(rows), "sha256": sha256(path)}
    p.update(over)
    return p


def run(payload, storage_root, tmp_path):
    events: list[dict] = []
    ctx = JobContext(runner="test", attempt=1, emit=events.append, storage=LocalStorage(storage_root),
                     workdir=tmp_path / "work")
    result = run_augment_job(payload, ctx)
    art = result["artifacts"][0]
    rows = [json.loads(line) for line in (storage_root / art["key"]).read_text().splitlines()]
    return result, rows, events


def held_out_lines(rows, test_split=0.1, validation_split=0.1, seed=42):
    numbered = list(enumerate(rows, start=1))
    test, rest = carve_test(numbered, test_split, seed)
    _train, val = split(rest, validation_split, seed)
    return {line for line, _r in test + val}


def test_perturbations_carry_provenance_and_come_only_from_training_rows(tmp_path, storage_root):
    rows = classification_rows(60)
    p = augment_payload(storage_root, rows, "classification", targetRows=40, perRow=2, seed=42,
                        perturbation={"wordDropout": 0.3, "swaps": 2}, holdOut={"testSplit": 0.1, "validationSplit": 0.1})
    result, made, events = run(p, storage_root, tmp_path)
    assert result["status"] == "succeeded" and result["artifacts"][0]["kind"] == "augmented_rows"
    # What the agent puts in the succeeded event must be a valid runner event (the summary: figures only).
    state = make_event("state", "test", jobId=p["jobId"], attempt=1, kind="augment", state="succeeded",
                       message=None, artifacts=result["artifacts"], summary=result["summary"])
    assert validate_event(state) == []
    assert 0 < len(made) <= 40
    held = held_out_lines(rows)
    originals = {json.dumps(r, sort_keys=True) for r in rows}
    for r in made:
        prov = r[contract.provenance_field()]
        assert prov["method"] in ("word_dropout", "word_swap") and prov["model"] is None
        assert 1 <= prov["sourceLine"] <= len(rows) and prov["sourceLine"] not in held  # never a held-out row
        assert r["label"] == rows[prov["sourceLine"] - 1]["label"]
        assert json.dumps({k: v for k, v in r.items() if k != "augmentation"}, sort_keys=True) not in originals
    assert any(e["type"] == "metric" and "rows_done" in e["values"] for e in events)
    assert all(e.get("kind") == "augment" for e in events)


def test_near_duplicates_of_existing_rows_are_dropped(tmp_path, storage_root):
    rows = classification_rows(30)
    # No dropout and no swap: every "new" row is a copy of its seed.
    p = augment_payload(storage_root, rows, "classification", targetRows=20, perRow=1,
                        perturbation={"wordDropout": 0, "swaps": 0})
    result, made, _ = run(p, storage_root, tmp_path)
    assert made == []
    assert result["summary"]["rows_dropped"] == result["summary"]["rows_tried"] > 0


def test_generate_with_a_model_paraphrases_questions_and_keeps_answers(tmp_path, storage_root, tiny_model):
    rows = chat_rows(24)
    p = augment_payload(storage_root, rows, "chat", index=1, targetRows=6, perRow=1, maxNewTokens=16,
                        temperature=1.0)
    p["generator"]["model"]["ref"] = {"id": "bm_tiny", "name": "tiny-llama", "source": "local",
                                      "ref": str(tiny_model), "revision": None, "artifactKind": None, "parent": None}
    result, made, _ = run(p, storage_root, tmp_path)
    assert result["status"] == "succeeded"
    for r in made:
        prov = r["augmentation"]
        assert prov == {"sourceLine": prov["sourceLine"], "method": "paraphrase",
                        "model": "SmolLM2-135M-Instruct"}
        src = rows[prov["sourceLine"] - 1]
        answers = [m["content"] for m in r["messages"] if m["role"] == "assistant"]
        assert answers == [m["content"] for m in src["messages"] if m["role"] == "assistant"]


class _FakeOpenAI(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeOpenAI.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        label = "billing" if "billing" in body["messages"][0]["content"] else "other"
        n = len(_FakeOpenAI.seen)
        reply = {"choices": [{"message": {"role": "assistant",
                                          "content": f"Text: a brand new {label} example number {n} about invoices "
                                                     f"and refunds {n * 7}"}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_an_admin_configured_key_travels_in_the_payload(tmp_path, storage_root):
    """The platform's payload for an admin-configured endpoint: base URL, model and the key itself."""
    server = HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeOpenAI.seen.clear()
    try:
        p = augment_payload(storage_root, chat_rows(20), "chat", method="generate", targetRows=3, perRow=1,
                            generator={"type": "endpoint", "baseUrl": f"http://127.0.0.1:{server.server_port}/v1",
                                       "model": "admin-model", "apiKeyEnv": None, "apiKey": "sk-admin-1234"})
        assert validate_payload(p) == []  # the contract's JSON Schema (packages/queue/schema)
        _result, made, events = run(p, storage_root, tmp_path)
    finally:
        server.shutdown()
        seen = list(_FakeOpenAI.seen)
        _FakeOpenAI.seen.clear()
    assert made and all(r["augmentation"]["model"] == "admin-model (endpoint)" for r in made)
    assert {s["auth"] for s in seen} == {"Bearer sk-admin-1234"}
    assert all(s["body"]["model"] == "admin-model" for s in seen)
    assert "sk-admin-1234" not in json.dumps(events)  # never in an event (logs, summaries)


def test_generate_through_an_openai_compatible_endpoint(tmp_path, storage_root, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AUG_TEST_KEY", "sk-test")
    try:
        rows = classification_rows(20)
        p = augment_payload(storage_root, rows, "classification", method="generate", targetRows=5, perRow=1,
                            generator={"type": "endpoint", "baseUrl": f"http://127.0.0.1:{server.server_port}/v1",
                                       "model": "gpt-test", "apiKeyEnv": "AUG_TEST_KEY"})
        result, made, _ = run(p, storage_root, tmp_path)
    finally:
        server.shutdown()
    assert len(made) == 5
    assert _FakeOpenAI.seen[0]["path"] == "/v1/chat/completions" and _FakeOpenAI.seen[0]["auth"] == "Bearer sk-test"
    for r in made:
        assert r["text"].startswith("a brand new")  # the "Text:" prefix is stripped
        assert r["augmentation"]["method"] == "new_text_for_label"
        assert r["augmentation"]["model"] == "gpt-test (endpoint)"
        assert r["label"] == rows[r["augmentation"]["sourceLine"] - 1]["label"]


def test_a_format_a_method_cannot_augment_is_refused_clearly(storage_root):
    p = augment_payload(storage_root, chat_rows(10), "chat", method="perturb")
    with pytest.raises(JobError, match="method 'perturb' cannot augment 'chat' data"):
        parse_config(p)
    p = augment_payload(storage_root, classification_rows(10), "classification", method="generate", generator=None)
    with pytest.raises(JobError, match="needs a generator"):
        parse_config(p)


def test_seed_rows_exclude_held_out_and_generated_rows(storage_root):
    rows = classification_rows(50) + [{"text": "x y z", "label": "a", "augmentation": {"sourceLine": 1,
                                                                                       "method": "word_swap",
                                                                                       "model": None}}]
    cfg = parse_config(augment_payload(storage_root, rows, "classification", targetRows=10))
    seeds = seed_rows(cfg, list(enumerate(rows, start=1)))
    lines = {line for line, _r in seeds}
    assert 51 not in lines and not (lines & held_out_lines(rows[:50]))


def test_generated_rows_never_enter_validation_or_test(tmp_path, storage_root, tiny_model):
    rows = classification_rows(40)
    gen = [dict(r, text=r["text"] + " (variant)", augmentation={"sourceLine": i + 1, "method": "word_swap",
                                                                 "model": None}) for i, r in enumerate(rows)]
    payload = make_payload(storage_root, tiny_model, [("cls", "classification", "jsonl", rows + gen)],
                           technique="classification", testSplit=0.2, validationSplit=0.25)
    cfg = TrainingConfig.from_payload(payload)
    tech = technique("classification")
    seen = {}

    def tokenize(_tok, _fmt, part, _hp, _l2i):
        seen.setdefault("parts", []).append(part)
        return [{"input_ids": [1], "labels": 0} for _ in part], 0

    tech_copy = dataclasses.replace(tech, tokenize=tokenize)
    prepare(cfg, tech_copy, None, [rows + gen], {}, lambda *_: None)
    train_part, val_part = seen["parts"]
    assert all(not is_generated(r) for r in val_part)
    assert sum(is_generated(r) for r in train_part) == len(gen)
    # The splits are those of the rows without the generated ones: adding them changes no held-out row.
    test, rest = carve_test(rows, 0.2, 42)
    _tr, val = split(rest, 0.25, 42)
    assert val_part == val
