"""The `evaluate` job: a train job's held-out test split scored for the base and the fine-tune, one report per run.

Tiny-model tests check the job (report shape, the rows it scores, events, errors); one real-model test checks the
claim that matters: a short LoRA fine-tune of SmolLM2 beats its zero-shot base on held-out data, significantly.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import time
import uuid

import pytest

from tests.conftest import run_direct
from tests.helpers import chat_rows, classification_rows, example_payload, make_payload, text_rows
from tests.real_model import sample_data_dir, smollm2_dir  # noqa: F401  (pytest fixtures)
from whetstone_runner import techniques
from whetstone_runner.config import EvaluationConfig, JobError
from whetstone_runner.data import carve_test
from whetstone_runner.jobs.evaluate import evaluation_rows
from whetstone_runner.schema import validate_event

TEST_SPLIT = 0.2
CASES = {  # technique -> (dataset format, rows); every row unique (an "id" field), so rows can be told apart
    "classification": ("classification", lambda: classification_rows(40)),
    "sft": ("chat", lambda: chat_rows(30)),
    "continued_pretraining": ("text", lambda: text_rows(30, max_words=30)),
}


def local_ref(path) -> dict:
    return {"id": "bm_base", "name": "base", "source": "local", "ref": str(path), "revision": None,
            "artifactKind": None, "parent": None}


def adapter_ref(train_payload: dict, base: dict) -> dict:
    return {"id": "bm_ft", "name": "fine-tune", "source": "artifact", "ref": train_payload["outputPrefix"] + "artifacts/",
            "revision": None, "artifactKind": "adapter", "parent": base}


def evaluate_payload(train_payload: dict, models: list[dict], **fields) -> dict:
    """An evaluate job on the test split of `train_payload`'s datasets; models: refs, the first is the base."""
    p = example_payload(0, kind="evaluate")
    eval_id = f"eval_test_{uuid.uuid4().hex[:8]}"
    hp = train_payload["hyperparameters"]
    p.update(jobId=eval_id, technique=train_payload["technique"], datasets=copy.deepcopy(train_payload["datasets"]),
             models=[{"modelId": r["id"], "label": r["name"], "ref": r} for r in models],
             split={"kind": "test", "fraction": hp["testSplit"], "seed": hp["seed"]}, maxSeqLength=96, maxNewTokens=12,
             bootstrapResamples=200, outputPrefix=f"evaluations/{eval_id}/")
    return p | fields


@pytest.fixture(scope="module")
def trained(tiny_model, tmp_path_factory):
    """A tiny LoRA fine-tune per technique, with testSplit 0.2; the rows each train job trained or validated on."""
    root = tmp_path_factory.mktemp("evaluate")
    storage = root / "storage"
    storage.mkdir()
    out = {}
    for technique, (fmt, rows) in CASES.items():
        unique = [r | {"id": i} for i, r in enumerate(rows())]
        payload = make_payload(storage, tiny_model, [("data", fmt, "jsonl", unique)], technique=technique,
                               testSplit=TEST_SPLIT, maxSteps=3, evalEverySteps=100, logEverySteps=1)
        seen: list[dict] = []
        tech = techniques.TECHNIQUES[technique]

        def recording(tok, fmt_, rs, hp, l2i, _tokenize=tech.tokenize, _seen=seen):
            _seen.extend(rs)
            return _tokenize(tok, fmt_, rs, hp, l2i)

        with pytest.MonkeyPatch.context() as mp:
            mp.setitem(techniques.TECHNIQUES, technique, dataclasses.replace(tech, tokenize=recording))
            result, _ = run_direct(payload, storage, root / f"work-{technique}")
        assert result["status"] == "succeeded"
        out[technique] = (payload, seen)
    return {"storage": storage, "root": root, "model": tiny_model, "runs": out}


def rows_of(storage, payload: dict) -> list[dict]:
    d = payload["datasets"][0]
    return [json.loads(line) for line in (storage / d["key"]).read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("technique", list(CASES))
def test_evaluate_scores_base_and_fine_tune_on_the_rows_training_never_saw(trained, technique):
    storage, (train_payload, seen) = trained["storage"], trained["runs"][technique]
    base = local_ref(trained["model"])
    payload = evaluate_payload(train_payload, [base, adapter_ref(train_payload, base)])

    # the rows the evaluate job scores are exactly the rows the train job neither trained nor validated on
    cfg = EvaluationConfig.from_payload(payload)
    rows = rows_of(storage, train_payload)
    scored = evaluation_rows(cfg, [rows], lambda *a: None)[0]
    assert scored == carve_test(rows, TEST_SPLIT, 42)[0] and len(scored) == round(len(rows) * TEST_SPLIT)
    ids = {r["id"] for r in scored}
    assert ids.isdisjoint(r["id"] for r in seen) and ids | {r["id"] for r in seen} == {r["id"] for r in rows}

    result, events = run_direct(payload, storage, trained["root"] / f"eval-{technique}")
    assert result["status"] == "succeeded"
    [artifact] = result["artifacts"]
    assert artifact["kind"] == "eval_report" and artifact["key"] == payload["outputPrefix"] + artifact["name"]
    report = json.loads((storage / artifact["key"]).read_text())
    assert (storage / artifact["key"]).stat().st_size == artifact["bytes"]
    assert report["reportVersion"] == 1 and report["technique"] == technique
    assert report["models"] == ["base", "fine-tune"] and report["base"] == "base"
    [task] = report["tasks"]
    assert task["examples"] == len(scored) == result["summary"]["examples"]
    primary = task["primaryMetric"]
    assert primary in task["models"]["fine-tune"]["scores"] and primary in task["models"]["base"]["scores"]
    [comparison] = report["comparisons"]
    assert any(r["metric"] == primary for r in comparison["metrics"]) and comparison["headline"]
    if technique == "classification":
        assert report["evaluation"]["methods"]["data"] == {"base": "zero-shot label likelihood",
                                                           "fine-tune": "classifier head"}
    if technique == "continued_pretraining":
        assert "general_perplexity" in task["models"]["base"]["scores"]

    assert events and all(e.get("kind") == "evaluate" for e in events)
    assert all(not validate_event(e) for e in events)
    progress = [e["values"] for e in events.of("metric")]
    assert progress[-1] == {"examples_done": 2 * len(scored), "examples_total": 2 * len(scored)}


def test_bad_inputs_fail_with_a_message_naming_the_problem(trained, tmp_path):
    storage, model = trained["storage"], trained["model"]
    train_payload = trained["runs"]["classification"][0]
    base = local_ref(model)

    def fails(payload) -> str:
        with pytest.raises(JobError) as err:
            run_direct(payload, storage, tmp_path / uuid.uuid4().hex[:6])
        return str(err.value)

    sft_payload = trained["runs"]["sft"][0]
    wrong = evaluate_payload(train_payload, [base, base | {"id": "b2", "name": "b2"}], datasets=sft_payload["datasets"])
    assert "technique 'classification'" in fails(wrong) and "is 'chat'" in fails(wrong)

    gone = adapter_ref(train_payload, base) | {"ref": "jobs/job_deleted/artifacts/", "name": "deleted-ft"}
    msg = fails(evaluate_payload(train_payload, [base, gone]))
    assert "model 'deleted-ft': no adapter in storage at 'jobs/job_deleted/artifacts/'" in msg

    missing = base | {"ref": str(tmp_path / "no-such-model"), "name": "ghost"}
    msg = fails(evaluate_payload(train_payload, [missing, base]))
    assert "model 'ghost'" in msg and "does not exist on this runner" in msg

    no_split = evaluate_payload(train_payload, [base, adapter_ref(train_payload, base)])
    no_split["split"]["fraction"] = 0
    assert "no test split" in fails(no_split)


def test_a_classifier_with_declared_labels_the_data_lacks_is_scored_over_every_label(trained, tmp_path):
    """An active-learning round's classifier is trained with the project's declared labels, some of which its held-out
    data may not show: the evaluation's label space takes them in (the base chooses among them too) instead of failing."""
    storage, model = trained["storage"], trained["model"]
    rows = [r | {"id": i} for i, r in enumerate(classification_rows(40))]
    declared = sorted({r["label"] for r in rows} | {"zz-unseen"})
    train = make_payload(storage, model, [("declared", "classification", "jsonl", rows)], technique="classification",
                         testSplit=TEST_SPLIT, maxSteps=2, evalEverySteps=100, logEverySteps=1)
    train["labels"] = declared
    result, _ = run_direct(train, storage, tmp_path / "train")
    assert result["status"] == "succeeded"
    base = local_ref(model)
    result, _ = run_direct(evaluate_payload(train, [base, adapter_ref(train, base)]), storage, tmp_path / "eval")
    assert result["status"] == "succeeded"
    report = json.loads((storage / result["artifacts"][0]["key"]).read_text())
    [task] = report["tasks"]
    assert "zz-unseen" in json.dumps(task["models"]["fine-tune"])  # a column of its own in the per-class table


# ---- the real model ---------------------------------------------------------------------------------------------


def test_smollm2_lora_fine_tune_beats_its_zero_shot_base_on_held_out_bbc(smollm2_dir, tmp_path):  # noqa: F811
    """SmolLM2-135M-Instruct: a LoRA classification fine-tune of 20 steps (batch 8, 48 tokens) on BBC topics, then the
    base (zero-shot) vs the fine-tune on 60 held-out articles: the fine-tune wins on macro-F1, 95% CI above zero."""
    from whetstone_runner import sample_data

    data = tmp_path / "data"
    sample_data.write(data, rows=240, test_rows=1, max_chars=150)
    rows = [json.loads(line) for line in (data / "bbc-news-topics.train.jsonl").read_text().splitlines()]
    storage = tmp_path / "storage"
    storage.mkdir()
    t0 = time.monotonic()
    train_payload = make_payload(storage, smollm2_dir, [("bbc", "classification", "jsonl", rows)],
                                 technique="classification", testSplit=60 / len(rows), validationSplit=0.01,
                                 maxSteps=20, batchSize=8, maxSeqLength=48, learningRate=2e-3, loraR=8, loraAlpha=16,
                                 evalEverySteps=1000, logEverySteps=10, epochs=1)
    result, _ = run_direct(train_payload, storage, tmp_path / "train")
    assert result["status"] == "succeeded"
    trained_s = time.monotonic() - t0

    base = local_ref(smollm2_dir) | {"name": "SmolLM2"}
    payload = evaluate_payload(train_payload, [base, adapter_ref(train_payload, base)], maxSeqLength=96,
                               bootstrapResamples=1000)
    result, events = run_direct(payload, storage, tmp_path / "eval")
    evaluated_s = time.monotonic() - t0 - trained_s
    report = json.loads((storage / result["artifacts"][0]["key"]).read_text())
    row = next(r for r in report["comparisons"][0]["metrics"] if r["metric"] == "macro_f1")
    accuracy = {m: round(report["tasks"][0]["models"][m]["scores"]["accuracy"], 3) for m in report["models"]}
    print(f"\nSmolLM2 BBC: {report['tasks'][0]['examples']} held-out rows; accuracy {accuracy}; macro-F1 "
          f"{row['base']:.3f} -> {row['candidate']:.3f}, delta {row['delta']:+.3f} CI [{row['ciLow']:.3f}, "
          f"{row['ciHigh']:.3f}]; train {trained_s:.0f}s, evaluate {evaluated_s:.0f}s")
    assert report["tasks"][0]["examples"] == 60
    assert row["verdict"] == "better" and row["ciLow"] > 0, report["headline"]
