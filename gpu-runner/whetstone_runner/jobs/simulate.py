"""The `simulate` job (active learning): "would it pay off on my data?", answered on a labelled classification set
whose labels are revealed only when a strategy asks (active/simulation.py has the loop and what it reports).

download the dataset → read the labels (a stream; each must be a declared one) → load the frozen model → embed every
row once (batches, saved chunks: a retry continues) → the simulation over the embeddings (seeds × strategies and
random × rounds, logistic regression as the learner) → the report JSON. Progress: `steps_done` / `steps_total`,
one step per row embedded and per learner fit. Every event carries `kind: "simulate"`.
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
from ..active.selection import check_strategy
from ..active.simulation import LEARNER, Plan, held_out_size, simulate
from ..active.work import Progress, run_rows
from ..config import DatasetRef, EvaluatedModel, JobError
from ..evaluation.predict import HandBack
from ..loading import load_for_inference
from ..schema import validate_payload
from .context import JobContext, Reporter
from .score import dataset_of, download, model_of, schema_defaults

KIND = "simulate"
TASK = "classification"  # a simulation replays classification rounds: the labels are the oracle's answers


@dataclass(frozen=True)
class SimulationConfig:
    job_id: str
    team_id: str
    model: EvaluatedModel
    dataset: DatasetRef
    labels: tuple[str, ...]
    plan: Plan
    max_seq_length: int
    output_prefix: str


def parse_config(payload: dict) -> SimulationConfig:
    errs = validate_payload(payload, KIND)
    if errs:
        raise JobError("invalid payload: " + "; ".join(errs[:5]))
    p = schema_defaults(KIND) | payload
    for i, s in enumerate(p["strategies"]):
        try:
            check_strategy(TASK, s)
        except JobError as err:
            raise JobError(f"strategies.{i}: {err}") from None
    formats = contract.technique_formats(TASK)
    if p["dataset"]["format"] not in formats:
        raise JobError(f"dataset.format: a simulation needs labelled {sorted(formats)} data, got {p['dataset']['format']!r}")
    if len(set(p["labels"])) != len(p["labels"]):
        raise JobError(f"labels: declared twice: {sorted({x for x in p['labels'] if p['labels'].count(x) > 1})}")
    plan = Plan(strategies=tuple(p["strategies"]), initial_size=p["initialSize"], batch_size=p["batchSize"],
                rounds=p["rounds"], seeds=p["seeds"], held_out_fraction=p["heldOutFraction"], seed=p["seed"])
    return SimulationConfig(job_id=p["jobId"], team_id=p["teamId"], model=model_of(p["model"]),
                            dataset=dataset_of(p["dataset"]), labels=tuple(p["labels"]), plan=plan,
                            max_seq_length=p["maxSeqLength"], output_prefix=p["outputPrefix"])


def run_simulate_job(payload: dict, ctx: JobContext) -> dict:
    cfg = parse_config(payload)
    report = Reporter(ctx, cfg.job_id, kind=KIND)
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()

    path = download(cfg.dataset, ctx, report, field="dataset")
    y = read_labels(cfg, path)
    loaded = load_for_inference(cfg.model.ref, ctx.storage, ctx.workdir / "models")
    report.say("info", f"model {cfg.model.label!r} ({'classifier' if loaded.is_classifier else 'language model'}, "
                       f"frozen) embeds {len(y)} rows on {loaded.device}")
    progress = Progress(report, "steps_done", "steps_total", len(y) + cfg.plan.steps(len(y)))
    store = ChunkStore(ctx.storage, cfg.output_prefix, fingerprint(payload), ctx.workdir)
    rows = np.arange(len(y), dtype=np.int64)
    text_field = contract.required_fields(cfg.dataset.format)[0]
    try:
        out = run_rows("embeddings", rows,
                       lambda skip: pool_io.iter_texts(path, cfg.dataset.container, cfg.dataset.format, cfg.dataset.name,
                                                       text_field, rows, skip),
                       lambda batch: {"emb": scoring.embed(loaded, batch, cfg.max_seq_length)},
                       store, progress, ctx, report.say)
    except HandBack:
        return {"status": "handed_back",
                "message": f"{progress.done} of {len(y)} rows embedded and saved; the retry continues from them"}

    result = simulate(out["emb"], y, list(cfg.labels), cfg.plan, on_step=lambda: progress.add(1))
    progress.flush()
    result = {"reportVersion": result.pop("reportVersion"), "learner": f"{LEARNER}; model {cfg.model.label}", **result}
    artifact = store_report(cfg, ctx, result)
    summary = summarize(result, cfg, time.monotonic() - t0)
    report.say("info", f"target: random's accuracy {summary['target_accuracy']:.3f} with {summary['budget']} labels; "
                       + "; ".join(f"{s} reached it with {_mean(v)} labels" for s, v in result["labelsToTarget"].items()))
    return {"status": "succeeded", "artifacts": [artifact], "summary": summary}


def read_labels(cfg: SimulationConfig, path) -> np.ndarray:
    """Label indices (into the declared labels) of every row, in file order; a label outside the set fails the job."""
    index = {lab: i for i, lab in enumerate(cfg.labels)}
    label_field = contract.required_fields(cfg.dataset.format)[1]
    y = []
    for row_index, row in pool_io.iter_rows(path, cfg.dataset.container, cfg.dataset.format, cfg.dataset.name):
        label = str(row[label_field])
        if label not in index:
            raise JobError(f"dataset {cfg.dataset.name!r} row {row_index}: label {label!r} is not one of the declared "
                           f"labels ({', '.join(cfg.labels)})")
        y.append(index[label])
    held = held_out_size(len(y), cfg.plan.held_out_fraction)
    if len(y) - held <= cfg.plan.initial_size:
        raise JobError(f"dataset {cfg.dataset.name!r}: {len(y)} rows leave {len(y) - held} to label after holding out "
                       f"{held}; initialSize is {cfg.plan.initial_size}, so there is nothing left to pick")
    return np.array(y, dtype=np.int64)


def store_report(cfg: SimulationConfig, ctx: JobContext, result: dict) -> dict:
    key = contract.storage_key("simulationReport", outputPrefix=cfg.output_prefix)
    name = key.rsplit("/", 1)[-1]
    data = json.dumps(result, indent=2, allow_nan=False).encode("utf-8")
    path = ctx.workdir / name
    path.write_bytes(data)
    ctx.storage.upload(path, key)
    return {"kind": "simulation_report", "name": name, "key": key, "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def summarize(result: dict, cfg: SimulationConfig, seconds: float) -> dict:
    summary = {"rows": result["poolSize"] + result["heldOutSize"], "pool_size": result["poolSize"],
               "held_out": result["heldOutSize"], "seeds": result["seeds"], "rounds": cfg.plan.rounds,
               "budget": result["target"]["labels"], "target_accuracy": result["target"]["accuracy"],
               "seconds": round(seconds, 3)}
    for curve in result["curves"]:
        summary[f"final_accuracy_{curve['strategy']}"] = curve["points"][-1]["accuracy"]["mean"]
    for s, v in result["labelsToTarget"].items():
        if v["mean"] is not None:
            summary[f"labels_to_target_{s}"] = v["mean"]
    return summary


def _mean(v: dict) -> str:
    return "never (in some seed)" if v["mean"] is None else f"{v['mean']:.0f}"
