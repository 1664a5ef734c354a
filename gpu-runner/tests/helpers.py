"""Shared builders for the tests: payloads from the schema examples, synthetic learnable datasets."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import random
import uuid
from pathlib import Path

from whetstone_runner import contract
from whetstone_runner.schema import load_schema

TOPICS = {
    "refund": ["refund", "money back", "return the item", "paid twice", "charge"],
    "shipping": ["parcel", "delivery", "tracking number", "arrived late", "courier"],
    "account": ["password", "sign in", "email address", "locked out", "profile"],
}
FILLER = ["please help", "thank you", "I wrote yesterday", "this is urgent", "as soon as possible", "hello team"]


def example_payload(index: int = 0, kind: str = "train") -> dict:
    return copy.deepcopy(load_schema(contract.job_kind(kind)["schema"])["examples"][index])


def assert_artifact_kinds_in_contract(artifacts: list[dict]) -> None:
    """Every artifact kind a run wrote is one the contract's artifactKinds lists."""
    kinds = {a["kind"] for a in artifacts}
    assert kinds and kinds <= set(contract.artifact_kinds()), kinds


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_delimited(path: Path, rows: list[dict], delimiter: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def qa_pairs(n: int, seed: int = 0) -> list[tuple[str, str]]:
    """Questions whose answer follows from the question: learnable by a tiny model in a few dozen steps."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        topic = rng.choice(list(TOPICS))
        word = rng.choice(TOPICS[topic])
        out.append((f"My question is about {word}, {rng.choice(FILLER)}.",
                    f"This is a {topic} question. The {topic} team will answer within one day."))
    return out


def chat_rows(n: int, seed: int = 0) -> list[dict]:
    return [{"messages": [{"role": "system", "content": "You are a support agent."},
                          {"role": "user", "content": q}, {"role": "assistant", "content": a}]}
            for q, a in qa_pairs(n, seed)]


def alpaca_rows(n: int, seed: int = 1) -> list[dict]:
    return [{"instruction": "Route the customer message to a team.", "input": q, "output": a} for q, a in qa_pairs(n, seed)]


def prompt_completion_rows(n: int, seed: int = 2) -> list[dict]:
    return [{"prompt": q, "completion": a} for q, a in qa_pairs(n, seed)]


def text_rows(n: int, seed: int = 3, min_words: int = 5, max_words: int = 60) -> list[dict]:
    from whetstone_runner.tiny_model import corpus_text

    words = corpus_text().split()
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        start, length = rng.randrange(0, len(words) - max_words), rng.randint(min_words, max_words)
        rows.append({"text": " ".join(words[start:start + length])})
    return rows


def classification_rows(n: int, seed: int = 4) -> list[dict]:
    """Text whose last words name the topic: learnable from the last-token representation."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        label = rng.choice(list(TOPICS))
        rows.append({"text": f"{rng.choice(FILLER)}, it is about {rng.choice(TOPICS[label])}", "label": label})
    return rows


def make_payload(storage_root: Path, model_dir: Path, datasets: list[tuple[str, str, str, list[dict]]], *,
                 technique: str = "sft", method: str = "lora", index: int = 0, job_id: str | None = None,
                 **hp) -> dict:
    """The schema example `index`, pointed at the tiny model and at datasets written under storage_root (no test
    split unless `testSplit` is given: these runs train on every row, as before testSplit existed).

    datasets: (name, format, container, rows) tuples.
    """
    p = example_payload(index)
    job_id = job_id or f"job_test_{uuid.uuid4().hex[:10]}"
    p.update(jobId=job_id, technique=technique, method=method, outputPrefix=f"jobs/{job_id}/", requiredVramMb=0)
    p["baseModel"] = {"id": "bm_tiny", "name": "tiny-llama", "source": "local", "ref": str(model_dir),
                      "revision": None, "artifactKind": None, "parent": None}
    p["hyperparameters"].update(epochs=3, learningRate=2e-3, batchSize=4, gradientAccumulationSteps=1,
                                maxSeqLength=96, warmupRatio=0, loraR=8, loraAlpha=16, loraDropout=0.0,
                                validationSplit=0.2, testSplit=0, earlyStoppingPatience=0, evalEverySteps=10,
                                checkpointEverySteps=1000, logEverySteps=5, maxSteps=30, seed=42, packing=False,
                                mergeWeights=False)
    p["hyperparameters"].update(hp)
    p["datasets"] = []
    for i, (name, fmt, container, rows) in enumerate(datasets):
        key = f"datasets/team_example/{job_id}_{i}/data.{container}"
        path = storage_root / key
        if container == "jsonl":
            write_jsonl(path, rows)
        else:
            write_delimited(path, rows, "\t" if container == "tsv" else ",")
        p["datasets"].append({"datasetVersionId": f"dv_{i}", "name": name, "key": key, "format": fmt,
                              "container": container, "weight": 1, "rows": len(rows), "sha256": sha256(path)})
    return p


UNHELPFUL = ["Sorry, I cannot help with that.", "Please write again later.", "I do not know what you mean."]


def preference_rows(n: int, seed: int = 5, shape: str = "trl") -> list[dict]:
    """A question, the answer routing it to its team (chosen) and an unhelpful one (rejected); in TRL's
    prompt/chosen/rejected strings or OpenAI's input/preferred_output/non_preferred_output."""
    rng = random.Random(seed)
    rows = []
    for q, a in qa_pairs(n, seed):
        bad = rng.choice(UNHELPFUL)
        if shape == "openai":
            rows.append({"input": {"messages": [{"role": "user", "content": q}]},
                         "preferred_output": [{"role": "assistant", "content": a}],
                         "non_preferred_output": [{"role": "assistant", "content": bad}]})
        else:
            rows.append({"prompt": q, "chosen": a, "rejected": bad})
    return rows
