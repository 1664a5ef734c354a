"""The `score` job (active learning): the model runs over an unlabelled pool and the rows most worth labelling next are
written, best first, with the model's prediction and a reason each.

download the pool → count its rows (a stream) → candidates: the rows not excluded, a seeded sample of maxCandidates
when there are more (for `random`: k rows, the only ones run) → load the model → (diverse strategies: embed the rows
labelled already, the k-centre's starting centres) → score the candidates in batches, saving chunks (a retry
continues) → select → the picked rows' texts (a last stream) → selection JSONL. Every event carries `kind: "score"`.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

import numpy as np

from .. import contract
from ..active import pool as pool_io
from ..active import scoring
from ..active.progress import ChunkStore, fingerprint
from ..active.selection import RANDOM, Pick, Scored, check_strategy, needs_embeddings, select
from ..active.work import Progress, run_rows
from ..config import BaseModelRef, DatasetRef, EvaluatedModel, JobError
from ..evaluation.predict import HandBack
from ..loading import load_for_inference
from ..schema import load_schema, validate_payload
from ..storage import sha256_file
from .context import JobContext, Reporter

KIND = "score"
POOL_FORMAT = "text"  # the dataset format of a pool: one text (to label, or a prompt to answer) per row
MAX_CENTRES = 2000  # labelled rows embedded as k-centre's starting centres (a seeded sample when there are more)


@dataclass(frozen=True)
class ScoreConfig:
    job_id: str
    team_id: str
    task: str  # classification | sft
    labels: tuple[str, ...]  # classification: the declared labels, in the project's order
    model: EvaluatedModel
    pool: DatasetRef
    exclude_rows: frozenset[int]
    strategy: str
    k: int  # batchSize: rows to pick
    max_candidates: int | None
    max_seq_length: int
    max_new_tokens: int
    seed: int
    output_prefix: str


def parse_config(payload: dict) -> ScoreConfig:
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    p = schema_defaults(KIND) | payload
    cfg = ScoreConfig(
        job_id=p["jobId"], team_id=p["teamId"], task=p["task"], labels=tuple(p["labels"]),
        model=model_of(p["model"]), pool=dataset_of(p["pool"]),
        exclude_rows=frozenset(p["excludeRows"]), strategy=p["strategy"], k=p["batchSize"],
        max_candidates=p["maxCandidates"], max_seq_length=p["maxSeqLength"], max_new_tokens=p["maxNewTokens"],
        seed=p["seed"], output_prefix=p["outputPrefix"])
    check_strategy(cfg.task, cfg.strategy)
    if cfg.pool.format != POOL_FORMAT:
        raise JobError(f"pool.format: a pool is {POOL_FORMAT!r} data (one text per row), got {cfg.pool.format!r}")
    if cfg.task == "classification":
        if len(cfg.labels) < 2:
            raise JobError("labels: a classification round needs at least two declared labels")
        if len(set(cfg.labels)) != len(cfg.labels):
            raise JobError(f"labels: declared twice: {sorted({x for x in cfg.labels if cfg.labels.count(x) > 1})}")
    return cfg


def model_of(m: dict) -> EvaluatedModel:
    return EvaluatedModel(model_id=m["modelId"], label=m["label"], ref=BaseModelRef.from_payload(m["ref"]))


def dataset_of(d: dict) -> DatasetRef:
    return DatasetRef(name=d["name"], key=d["key"], format=d["format"], container=d["container"],
                      weight=float(d["weight"]), rows=d["rows"], sha256=d["sha256"])


def schema_defaults(kind: str) -> dict:
    """The top-level defaults of a kind's payload schema (zod's `.default()`s, exported with the schema)."""
    props = load_schema(contract.job_kind(kind)["schema"])["properties"]
    return {k: v["default"] for k, v in props.items() if "default" in v}


def run_score_job(payload: dict, ctx: JobContext) -> dict:
    cfg = parse_config(payload)
    report = Reporter(ctx, cfg.job_id, kind=KIND)
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()

    path = download(cfg.pool, ctx, report)
    field = contract.required_fields(POOL_FORMAT)[0]
    rows = plan_rows(cfg, path, field, report)
    loaded = load_for_inference(cfg.model.ref, ctx.storage, ctx.workdir / "models")
    if cfg.task == "classification":
        scoring.check_labels(loaded, list(cfg.labels))
    elif loaded.is_classifier:
        raise JobError(f"model {loaded.name!r} is a classifier; a generation round needs a language model")
    report.say("info", f"model {cfg.model.label!r}: {'adapter on ' if loaded.is_adapter else ''}"
                       f"{'classifier head' if loaded.is_classifier else 'language model'}, on {loaded.device}")

    store = ChunkStore(ctx.storage, cfg.output_prefix, fingerprint(payload), ctx.workdir)
    progress = Progress(report, "rows_done", "rows_total", len(rows.centres) + len(rows.candidates))

    def texts(wanted):
        return lambda skip: pool_io.iter_texts(path, cfg.pool.container, POOL_FORMAT, cfg.pool.name, field, wanted, skip)

    embeddings = needs_embeddings(cfg.strategy)
    try:
        centres = run_rows("labelled", rows.centres, texts(rows.centres),
                           lambda batch: {"emb": scoring.embed(loaded, batch, cfg.max_seq_length)},
                           store, progress, ctx, report.say) if embeddings else {}
        out = run_rows("candidates", rows.candidates, texts(rows.candidates), _scorer(cfg, loaded, embeddings),
                       store, progress, ctx, report.say)
    except HandBack:
        return {"status": "handed_back", "message": f"{progress.done} of {progress.total} rows saved; the retry continues "
                                                    "from them"}
    progress.flush()

    scored = Scored(probs=out.get("probs"), labels=list(cfg.labels), token_entropy=out.get("token_entropy"),
                    neg_log_likelihood=out.get("neg_log_likelihood"), n_tokens=out.get("n_tokens"),
                    embeddings=out.get("emb"), centres=centres.get("emb"))
    picks = select(cfg.strategy, scored, cfg.k, cfg.seed)
    lines = selection_lines(cfg, out, picks, path, field)
    artifact = store_selection(cfg, ctx, lines)
    picked = np.array([p.score for p in picks])
    report.say("info", f"picked {len(picks)} of {len(rows.candidates)} candidates by {cfg.strategy}"
                       + (f"; scores {picked.min():.3f}–{picked.max():.3f}" if len(picks) else ""))
    summary = {
        "pool_rows": rows.pool_rows, "rows_excluded": rows.excluded, "rows_empty": rows.empty,
        "candidates": len(rows.candidates), "rows_scored": len(out["rows"]), "labelled_embedded": len(rows.centres),
        "picked": len(picks), "seconds": round(time.monotonic() - t0, 3),
    }
    if len(picks):
        summary |= {"score_mean": round(float(picked.mean()), 6), "score_min": round(float(picked.min()), 6),
                    "score_max": round(float(picked.max()), 6)}
    return {"status": "succeeded", "artifacts": [artifact], "summary": summary}


def download(d: DatasetRef, ctx: JobContext, report: Reporter, field: str = "pool"):
    """The dataset file of payload field `field`, downloaded into the workdir."""
    path = ctx.workdir / "data" / f"{field}.{d.container}"
    try:
        ctx.storage.download(d.key, path)
    except FileNotFoundError:
        raise JobError(f"{field}.key: no file in storage at {d.key!r}") from None
    if sha256_file(path) != d.sha256:
        report.say("warning", f"dataset {d.name!r}: sha256 differs from the payload's (file changed since upload?)")
    return path


@dataclass(frozen=True)
class Rows:
    candidates: np.ndarray  # sorted pool row indices to score
    centres: np.ndarray  # sorted pool row indices of labelled rows to embed (diverse strategies), else empty
    pool_rows: int
    excluded: int  # excluded rows present in the pool
    empty: int  # rows with an empty text: never picked


def plan_rows(cfg: ScoreConfig, path, field: str, report: Reporter) -> Rows:
    """Two streams over the pool: count, then map the seeded samples' positions onto row indices."""
    n_rows = n_eligible = n_excluded = n_empty = 0
    for index, row in pool_io.iter_rows(path, cfg.pool.container, POOL_FORMAT, cfg.pool.name):
        n_rows += 1
        if not str(row[field]).strip():
            n_empty += 1
        elif index in cfg.exclude_rows:
            n_excluded += 1
        else:
            n_eligible += 1
    if n_eligible == 0:
        raise JobError(f"pool {cfg.pool.name!r}: no row left to score ({n_rows} rows, {n_excluded} excluded, "
                       f"{n_empty} empty)")
    m = min(cfg.k, n_eligible) if cfg.strategy == RANDOM else cfg.max_candidates
    chosen = np.zeros(n_eligible, dtype=bool)  # by position among the eligible rows
    chosen[pool_io.sample(n_eligible, m, cfg.seed)] = True
    chosen_centres = np.zeros(n_excluded, dtype=bool)
    if needs_embeddings(cfg.strategy):
        chosen_centres[pool_io.sample(n_excluded, MAX_CENTRES, cfg.seed + 1)] = True
    candidates, centres = [], []
    e = x = 0
    for index, row in pool_io.iter_rows(path, cfg.pool.container, POOL_FORMAT, cfg.pool.name):
        if not str(row[field]).strip():
            continue
        if index in cfg.exclude_rows:
            if chosen_centres[x]:
                centres.append(index)
            x += 1
        else:
            if chosen[e]:
                candidates.append(index)
            e += 1
    sampled = len(candidates) < n_eligible
    report.say("info", f"pool {cfg.pool.name!r}: {n_rows} rows, {n_excluded} excluded, {n_empty} empty; "
                       f"{len(candidates)} candidates" + (f" (a seeded sample of the {n_eligible} eligible)" if sampled
                                                          else ""))
    if len(candidates) < cfg.k:
        report.say("warning", f"only {len(candidates)} rows left to pick from; batchSize is {cfg.k}")
    return Rows(candidates=np.array(candidates, dtype=np.int64), centres=np.array(centres, dtype=np.int64),
                pool_rows=n_rows, excluded=n_excluded, empty=n_empty)


def _scorer(cfg: ScoreConfig, loaded, embeddings: bool):
    if cfg.task == "classification":
        def classify(batch: list[str]) -> dict:
            probs, emb = scoring.classify(loaded, batch, list(cfg.labels), cfg.max_seq_length, embeddings)
            return {"probs": probs, "emb": emb}
        return classify

    def answer(batch: list[str]) -> dict:
        out = scoring.answer(loaded, batch, cfg.max_seq_length, cfg.max_new_tokens)
        return out | ({"emb": scoring.embed(loaded, batch, cfg.max_seq_length)} if embeddings else {})
    return answer


def selection_lines(cfg: ScoreConfig, out: dict, picks: list[Pick], path, field: str) -> list[dict]:
    """The selection file's lines, best first: {row, text, score, rank, prediction, reason}."""
    rows = out["rows"]
    wanted = np.array(sorted(int(rows[p.index]) for p in picks), dtype=np.int64)
    text_of = dict(pool_io.iter_texts(path, cfg.pool.container, POOL_FORMAT, cfg.pool.name, field, wanted))
    lines = []
    for rank, p in enumerate(picks, start=1):
        row = int(rows[p.index])
        lines.append({"row": row, "text": text_of[row], "score": round(p.score, 6), "rank": rank,
                      "prediction": _prediction(cfg, out, p.index), "reason": p.reason})
    return lines


def _prediction(cfg: ScoreConfig, out: dict, i: int) -> dict:
    if cfg.task != "classification":
        return {"answer": str(out["answers"][i])}
    probs = np.clip(out["probs"][i], 0.0, 1.0)
    best = int(np.argmax(probs))
    return {"label": cfg.labels[best], "confidence": round(float(probs[best]), 4),
            "probabilities": {lab: round(float(q), 4) for lab, q in zip(cfg.labels, probs, strict=True)}}


def store_selection(cfg: ScoreConfig, ctx: JobContext, lines: list[dict]) -> dict:
    key = contract.storage_key("selection", outputPrefix=cfg.output_prefix)
    name = key.rsplit("/", 1)[-1]
    data = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines).encode("utf-8")
    path = ctx.workdir / name
    path.write_bytes(data)
    ctx.storage.upload(path, key)
    return {"kind": "selection", "name": name, "key": key, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
