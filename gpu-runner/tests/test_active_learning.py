"""The active-learning jobs on the tiny model, in this process (no agent): `score` (classification zero-shot and with a
fine-tuned head, sft), its resume after an interruption, `simulate`; and the declared `labels` of a train payload."""

from __future__ import annotations

import hashlib
import json
import uuid

import numpy as np
import pytest

from tests.conftest import run_direct
from tests.helpers import TOPICS, classification_rows, example_payload, make_payload, sha256, write_jsonl
from whetstone_runner.active import scoring, work
from whetstone_runner.config import JobError
from whetstone_runner.schema import validate_event

LABELS = sorted(TOPICS)  # account, refund, shipping


def local_ref(path, name: str = "tiny-llama") -> dict:
    return {"id": "bm_tiny", "name": name, "source": "local", "ref": str(path), "revision": None,
            "artifactKind": None, "parent": None}


def adapter_ref(train_payload: dict, base: dict) -> dict:
    return {"id": "bm_ft", "name": "round-1", "source": "artifact", "ref": train_payload["outputPrefix"] + "artifacts/",
            "revision": None, "artifactKind": "adapter", "parent": base}


def pool_entry(storage_root, rows: list[dict], name: str = "pool", fmt: str = "text") -> dict:
    key = f"datasets/team_example/{name}_{uuid.uuid4().hex[:6]}/{name}.jsonl"
    path = write_jsonl(storage_root / key, rows)
    return {"datasetVersionId": f"dv_{name}", "name": name, "key": key, "format": fmt, "container": "jsonl",
            "weight": 1, "rows": len(rows), "sha256": sha256(path)}


def score_payload(storage_root, model: dict, pool_rows: list[dict], **fields) -> dict:
    p = example_payload(0, kind="score")
    job = f"alr_{uuid.uuid4().hex[:8]}"
    p.update(jobId=job, labels=LABELS, model={"modelId": model["id"], "label": model["name"], "ref": model},
             pool=pool_entry(storage_root, pool_rows), excludeRows=[], strategy="margin", batchSize=5,
             maxCandidates=None, maxSeqLength=64, maxNewTokens=6, outputPrefix=f"active-learning/alp_test/{job}/")
    return p | fields


def pool_texts(n: int, seed: int = 4) -> list[dict]:
    return [{"text": r["text"]} for r in classification_rows(n, seed)]


def selection(storage_root, result: dict) -> list[dict]:
    [artifact] = result["artifacts"]
    data = (storage_root / artifact["key"]).read_bytes()
    assert artifact["kind"] == "selection" and artifact["bytes"] == len(data)
    assert artifact["sha256"] == hashlib.sha256(data).hexdigest()
    return [json.loads(line) for line in data.decode().splitlines()]


SELECTION_FIELDS = {"row", "text", "score", "rank", "prediction", "reason"}  # selectionRowSchema


def check_selection(lines: list[dict], pool: list[dict], excluded: set[int], task: str, labels=LABELS) -> None:
    assert [x["rank"] for x in lines] == list(range(1, len(lines) + 1))
    for x in lines:
        assert set(x) == SELECTION_FIELDS and isinstance(x["row"], int) and isinstance(x["score"], float)
        assert x["row"] not in excluded and x["text"] == pool[x["row"]]["text"] and x["reason"]
        if task == "classification":
            pred = x["prediction"]
            assert set(pred) == {"label", "confidence", "probabilities"} and list(pred["probabilities"]) == list(labels)
            assert all(0 <= v <= 1 for v in pred["probabilities"].values())
            assert abs(sum(pred["probabilities"].values()) - 1) < 1e-3
            assert pred["label"] == max(pred["probabilities"], key=pred["probabilities"].get)
        else:
            assert set(x["prediction"]) == {"answer"} and isinstance(x["prediction"]["answer"], str)


def check_events(events, total: int) -> None:
    assert events and all(e.get("kind") == "score" for e in events)
    assert all(not validate_event(e) for e in events), [validate_event(e) for e in events if validate_event(e)][:1]
    assert [e["values"] for e in events.of("metric")][-1] == {"rows_done": total, "rows_total": total}


# ---- score: classification --------------------------------------------------------------------------------------

def test_score_classification_zero_shot_with_the_base(tmp_path, storage_root, tiny_model):
    pool = pool_texts(30)
    excluded = {0, 3, 7}
    payload = score_payload(storage_root, local_ref(tiny_model), pool, excludeRows=sorted(excluded) + [999])
    result, events = run_direct(payload, storage_root, tmp_path / "w")
    assert result["status"] == "succeeded"
    lines = selection(storage_root, result)
    assert len(lines) == 5
    check_selection(lines, pool, excluded, "classification")
    scores = [x["score"] for x in lines]
    assert scores == sorted(scores, reverse=True)
    assert lines[0]["reason"].startswith("margin ") and " between " in lines[0]["reason"]
    s = result["summary"]
    assert (s["pool_rows"], s["rows_excluded"], s["candidates"], s["rows_scored"], s["picked"]) == (30, 3, 27, 27, 5)
    assert s["score_max"] == scores[0]
    check_events(events, 27)


def test_score_with_a_fine_tuned_head_maps_its_classes_onto_the_declared_order(tmp_path, storage_root, tiny_model):
    # trained with labels declared in a non-sorted order; scored with them in yet another order
    declared = ["shipping", "account", "refund"]
    train = make_payload(storage_root, tiny_model, [("t", "classification", "jsonl", classification_rows(40))],
                         technique="classification", maxSteps=4, evalEverySteps=100)
    train["labels"] = declared
    assert run_direct(train, storage_root, tmp_path / "train")[0]["status"] == "succeeded"
    base = local_ref(tiny_model)
    pool = pool_texts(20, seed=9)
    order = ["refund", "shipping", "account"]
    payload = score_payload(storage_root, adapter_ref(train, base), pool, labels=order, strategy="margin_diverse",
                            excludeRows=[1, 2, 5], batchSize=4)
    result, events = run_direct(payload, storage_root, tmp_path / "score")
    lines = selection(storage_root, result)
    check_selection(lines, pool, {1, 2, 5}, "classification", labels=order)
    assert all("unlike the rows labelled or picked" in x["reason"] for x in lines)
    assert result["summary"]["labelled_embedded"] == 3
    check_events(events, 17 + 3)  # the three labelled rows are embedded too: k-centre's starting centres

    # the probabilities are the head's softmax, by label name
    from whetstone_runner.config import BaseModelRef
    from whetstone_runner.loading import load_for_inference
    from whetstone_runner.storage import LocalStorage

    loaded = load_for_inference(BaseModelRef.from_payload(payload["model"]["ref"]), LocalStorage(storage_root),
                                tmp_path / "direct")
    assert [loaded.id2label[i] for i in range(3)] == declared
    probs, _ = scoring.classify(loaded, [lines[0]["text"]], declared, 64, False)
    assert lines[0]["prediction"]["probabilities"] == {lab: round(float(p), 4) for lab, p in zip(declared, probs[0], strict=True)}


# ---- score: generation ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("strategy", ["token_entropy", "log_likelihood", "token_entropy_diverse", "kcenter", "random"])
def test_score_sft_rounds_pick_by_their_answers(tmp_path, storage_root, tiny_model, strategy):
    pool = [{"text": f"My question is about {w}, please help."} for ws in TOPICS.values() for w in ws]
    payload = score_payload(storage_root, local_ref(tiny_model), pool, task="sft", labels=[], strategy=strategy,
                            batchSize=4, excludeRows=[2])
    result, events = run_direct(payload, storage_root, tmp_path / "w")
    lines = selection(storage_root, result)
    assert len(lines) == 4
    check_selection(lines, pool, {2}, "sft")
    scored = 4 if strategy == "random" else len(pool) - 1  # random runs only the rows it drew
    assert result["summary"]["rows_scored"] == scored
    check_events(events, scored + (1 if strategy in ("token_entropy_diverse", "kcenter") else 0))  # + the labelled row
    reason = lines[0]["reason"]
    expected = {"token_entropy": "mean next-token entropy", "log_likelihood": "mean log-likelihood",
                "token_entropy_diverse": "unlike the rows labelled or picked", "kcenter": "least like those labelled",
                "random": "drawn at random"}[strategy]
    assert expected in reason, reason


# ---- score: resume ------------------------------------------------------------------------------------------------

def test_score_resumes_from_the_chunks_an_interrupted_attempt_saved(tmp_path, storage_root, tiny_model, monkeypatch):
    monkeypatch.setattr(work, "SAVE_EVERY_ROWS", 8)  # a chunk every batch of 8
    pool = pool_texts(40, seed=11)
    payload = score_payload(storage_root, local_ref(tiny_model), pool, strategy="entropy", excludeRows=[4])
    calls = []
    classify = scoring.classify
    monkeypatch.setattr(scoring, "classify", lambda loaded, texts, *a: calls.append(len(texts)) or classify(loaded, texts, *a))

    with pytest.raises(RuntimeError, match="interrupted after 24 rows"):
        run_direct(payload, storage_root, tmp_path / "a1", fault="raise_after:20")
    assert sum(calls) == 24  # three batches; the third was scored but not saved before the crash
    saved = sorted(p.name for p in (storage_root / payload["outputPrefix"]).rglob("*.npz"))
    assert saved == ["candidates-000000000.npz", "candidates-000000008.npz", "candidates-000000016.npz"]

    calls.clear()
    result, events = run_direct(payload, storage_root, tmp_path / "a2")
    assert sum(calls) == 39 - 24 and result["summary"]["rows_scored"] == 39
    assert any("resuming: 24 of 39 candidates rows" in e["message"] for e in events.of("log"))
    check_events(events, 39)

    fresh = dict(payload, jobId="alr_fresh", outputPrefix="active-learning/alp_test/alr_fresh/")
    again, _ = run_direct(fresh, storage_root, tmp_path / "a3")
    assert selection(storage_root, again) == selection(storage_root, result)


def test_score_hands_back_between_batches_and_a_retry_continues(tmp_path, storage_root, tiny_model):
    pool = pool_texts(20, seed=12)
    payload = score_payload(storage_root, local_ref(tiny_model), pool)
    result, _ = run_direct(payload, storage_root, tmp_path / "a1", handback_requested=lambda: True)
    assert result == {"status": "handed_back", "message": "8 of 20 rows saved; the retry continues from them"}
    result, events = run_direct(payload, storage_root, tmp_path / "a2")
    assert result["status"] == "succeeded"
    assert any("resuming: 8 of 20 candidates rows" in e["message"] for e in events.of("log"))


def test_score_samples_max_candidates_with_its_seed(tmp_path, storage_root, tiny_model):
    pool = pool_texts(30, seed=13)
    payload = score_payload(storage_root, local_ref(tiny_model), pool, maxCandidates=10, strategy="kcenter", batchSize=3)
    result, events = run_direct(payload, storage_root, tmp_path / "w")
    assert result["summary"]["candidates"] == result["summary"]["rows_scored"] == 10
    assert any("a seeded sample of the 30 eligible" in e["message"] for e in events.of("log"))
    lines = selection(storage_root, result)
    assert [x["score"] for x in lines] == sorted((x["score"] for x in lines), reverse=True)
    assert "most typical row" in lines[0]["reason"] and "least like those" in lines[1]["reason"]  # nothing labelled yet


def test_a_large_pool_is_streamed_not_read_whole(tmp_path):
    """50,000 rows (~3 MB of JSONL): planning a round of 100 candidates and fetching their texts holds the candidate
    arrays, not the pool."""
    import tracemalloc

    from whetstone_runner.active import pool as pool_io
    from whetstone_runner.jobs.score import parse_config, plan_rows

    path = tmp_path / "pool.jsonl"
    with path.open("w") as f:
        for i in range(50_000):
            f.write(json.dumps({"text": f"ticket {i}: my parcel has not arrived, tracking says it left the depot"}) + "\n")
    p = score_payload(tmp_path, local_ref(tmp_path), [{"text": "x"}], maxCandidates=100, excludeRows=list(range(0, 50, 2)))
    cfg = parse_config(p | {"pool": p["pool"] | {"container": "jsonl"}})
    report = type("R", (), {"say": staticmethod(lambda *a: None)})()
    tracemalloc.start()
    rows = plan_rows(cfg, path, "text", report)
    texts = list(pool_io.iter_texts(path, "jsonl", "text", "pool", "text", rows.candidates))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (rows.pool_rows, rows.excluded, len(rows.candidates)) == (50_000, 25, 100) and len(texts) == 100
    assert not set(rows.candidates.tolist()) & set(range(0, 50, 2))
    assert peak < 1_000_000, f"peak {peak:,} bytes for a {path.stat().st_size:,}-byte pool"


def test_score_refuses_what_cannot_work(tmp_path, storage_root, tiny_model):
    base = local_ref(tiny_model)
    pool = pool_texts(6)

    def fails(payload) -> str:
        with pytest.raises(JobError) as err:
            run_direct(payload, storage_root, tmp_path / uuid.uuid4().hex[:6])
        return str(err.value)

    assert "strategy 'token_entropy' is not one for task 'classification'" in fails(
        score_payload(storage_root, base, pool, strategy="token_entropy"))
    assert "pool.format" in fails(score_payload(storage_root, base, pool) | {
        "pool": pool_entry(storage_root, classification_rows(6), fmt="classification")})
    assert "at least two declared labels" in fails(score_payload(storage_root, base, pool, labels=["refund"]))
    assert "no row left to score" in fails(score_payload(storage_root, base, pool, excludeRows=list(range(6))))
    assert "invalid payload: strategy" in fails(score_payload(storage_root, base, pool, strategy="uncertainty"))


# ---- simulate -----------------------------------------------------------------------------------------------------

def simulation_payload(storage_root, model: dict, rows: list[dict], **fields) -> dict:
    p = example_payload(0, kind="simulate")
    job = f"als_{uuid.uuid4().hex[:8]}"
    p.update(jobId=job, model={"modelId": model["id"], "label": model["name"], "ref": model}, labels=LABELS,
             dataset=pool_entry(storage_root, rows, name="labelled", fmt="classification"),
             strategies=["margin", "margin_diverse"], initialSize=6, batchSize=6, rounds=3, seeds=2,
             heldOutFraction=0.25, maxSeqLength=32, outputPrefix=f"active-learning/alp_test/{job}/")
    return p | fields


def check_simulation_report(report: dict, labels: list[str]) -> None:
    """The fields and types of simulationReportSchema (packages/queue/src/active-learning-job.ts)."""
    def stats(x, nullable=False):
        assert set(x) == {"mean", "std", "values"}
        kinds = (int, float, type(None)) if nullable else (int, float)
        assert isinstance(x["mean"], kinds) and isinstance(x["std"], kinds)
        assert all(isinstance(v, kinds) for v in x["values"])

    assert set(report) == {"reportVersion", "learner", "metric", "labels", "poolSize", "heldOutSize", "seeds", "curves",
                           "target", "labelsToTarget"}
    assert report["reportVersion"] == 1 and report["metric"] == "accuracy" and report["labels"] == labels
    assert isinstance(report["learner"], str) and "logistic regression" in report["learner"]
    assert all(isinstance(report[k], int) for k in ("poolSize", "heldOutSize", "seeds"))
    for curve in report["curves"]:
        assert set(curve) == {"strategy", "points"}
        for point in curve["points"]:
            assert set(point) == {"labels", "accuracy", "f1Macro"} and isinstance(point["labels"], int)
            stats(point["accuracy"])
            stats(point["f1Macro"])
            assert len(point["accuracy"]["values"]) == report["seeds"]
    assert set(report["target"]) == {"accuracy", "labels"} and isinstance(report["target"]["labels"], int)
    assert set(report["labelsToTarget"]) == {c["strategy"] for c in report["curves"]}
    for v in report["labelsToTarget"].values():
        stats(v, nullable=True)


def test_simulate_end_to_end_on_a_small_labelled_set(tmp_path, storage_root, tiny_model):
    rows = classification_rows(60, seed=21)
    payload = simulation_payload(storage_root, local_ref(tiny_model), rows)
    result, events = run_direct(payload, storage_root, tmp_path / "w")
    assert result["status"] == "succeeded"
    [artifact] = result["artifacts"]
    assert artifact["kind"] == "simulation_report" and artifact["key"] == payload["outputPrefix"] + artifact["name"]
    report = json.loads((storage_root / artifact["key"]).read_text())
    check_simulation_report(report, LABELS)
    assert [c["strategy"] for c in report["curves"]] == ["margin", "margin_diverse", "random"]
    assert (report["poolSize"], report["heldOutSize"]) == (45, 15)
    assert [p["labels"] for p in report["curves"][0]["points"]] == [6, 12, 18, 24]
    assert report["target"]["labels"] == 24
    s = result["summary"]
    assert s["rows"] == 60 and s["budget"] == 24 and "final_accuracy_margin" in s

    assert all(e.get("kind") == "simulate" and not validate_event(e) for e in events)
    total = 60 + 2 * 3 * 4  # rows embedded + learner fits (seeds × runs × points)
    assert [e["values"] for e in events.of("metric")][-1] == {"steps_done": total, "steps_total": total}


def test_simulate_refuses_labels_outside_the_declared_set(tmp_path, storage_root, tiny_model):
    rows = classification_rows(30) + [{"text": "where is my invoice", "label": "billing"}]
    payload = simulation_payload(storage_root, local_ref(tiny_model), rows)
    with pytest.raises(JobError, match=r"row 30: label 'billing' is not one of the declared labels"):
        run_direct(payload, storage_root, tmp_path / "w")
    with pytest.raises(JobError, match=r"strategies.0: strategy 'token_entropy' is not one for task 'classification'"):
        run_direct(simulation_payload(storage_root, local_ref(tiny_model), rows[:30], strategies=["token_entropy"]),
                   storage_root, tmp_path / "w2")


# ---- train: declared labels -----------------------------------------------------------------------------------------

def test_train_builds_the_head_with_exactly_the_declared_labels(tmp_path, storage_root, tiny_model):
    rows = [r for r in classification_rows(40) if r["label"] != "account"]  # a declared label the data lacks yet
    declared = ["shipping", "refund", "account"]
    p = make_payload(storage_root, tiny_model, [("t", "classification", "jsonl", rows)], technique="classification",
                     maxSteps=2, evalEverySteps=100)
    p["labels"] = declared
    result, _ = run_direct(p, storage_root, tmp_path / "w")
    assert result["status"] == "succeeded"
    config = json.loads((storage_root / p["outputPrefix"] / "artifacts" / "config.json").read_text())
    assert config["derived"]["labels"] == {"shipping": 0, "refund": 1, "account": 2}
    assert config["config"]["labels"] == declared


def test_train_refuses_a_data_label_outside_the_declared_set(tmp_path, storage_root, tiny_model):
    rows = classification_rows(20) + [{"text": "where is my invoice", "label": "billing"}]
    p = make_payload(storage_root, tiny_model, [("t", "classification", "jsonl", rows)], technique="classification",
                     maxSteps=2)
    p["labels"] = LABELS
    with pytest.raises(JobError, match=r"datasets.0: row 20 has label 'billing', which is not one of the declared labels "
                                       r"\(account, refund, shipping\)"):
        run_direct(p, storage_root, tmp_path / "w")


def test_train_without_declared_labels_uses_the_sorted_labels_of_the_data(tmp_path, storage_root, tiny_model):
    p = make_payload(storage_root, tiny_model, [("t", "classification", "jsonl", classification_rows(30))],
                     technique="classification", maxSteps=1)
    assert p.get("labels") is None
    result, _ = run_direct(p, storage_root, tmp_path / "w")
    config = json.loads((storage_root / p["outputPrefix"] / "artifacts" / "config.json").read_text())
    assert config["derived"]["labels"] == {lab: i for i, lab in enumerate(LABELS)}
    np.testing.assert_equal(result["status"], "succeeded")
