"""Model quality: does a fine-tune with the product's DEFAULT settings beat its base, on the real model and real data?

For each dataset: the real `train` job (SmolLM2-135M-Instruct, method lora, the default hyperparameters read from the
queue contract's train schema, i.e. packages/core's DEFAULT_HYPERPARAMETERS), then the real `evaluate` job exactly as
the platform's automatic evaluation builds it (packages/api create-test-split-evaluation + build-evaluation-payload:
base first, the job's adapter second, split {kind "test", fraction = testSplit, seed = the job's seed}, seed = the
job's seed, maxSeqLength = the job's, the other settings the evaluate schema's defaults). Both through
`whetstone_runner.jobs.run_job` with a JobContext and LocalStorage, as the runner's child process calls them.

    gpu-runner/.venv/bin/python bench/model_quality.py [--datasets bbc,airline,airline-sft] [--rows 300]
        [--steps 20] [--max-seq-length N] [--threads 1] [--quick]

The only settings that differ from the defaults are the ones that keep a CPU run within minutes, and they are printed:
maxSteps, maxSeqLength, the number of rows of each dataset, and evalEverySteps / checkpointEverySteps (so that
validation, best-checkpoint restore and checkpointing happen within maxSteps, as they would in a full-length run).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# name -> (sample_data file stem, technique, dataset format, maxSeqLength used unless --max-seq-length is given).
# SmolLM2 tokens per row: BBC articles ~330 (p50; cut to the first maxSeqLength tokens, so 96 is a CPU-time choice),
# airline tweets <= 59, airline SFT conversations <= 117 with a prompt of <= 114: 160 keeps every one whole in training
# and leaves the evaluation's greedy generation its prompt (the evaluator keeps the last maxSeqLength - maxNewTokens
# prompt tokens, 160 - 64 = 96), at no cost (batches are padded to their longest row, not to maxSeqLength).
DATASETS = {
    "bbc": ("bbc-news-topics", "classification", "classification", 96),
    "airline": ("airline-sentiment", "classification", "classification", 64),
    "airline-sft": ("airline-sentiment-sft", "sft", "chat", 160),
    "bbc-sft": ("bbc-news-topics-sft", "sft", "chat", 512),
}
DEFAULT_DATASETS = "bbc,airline,airline-sft"
FULL = {"rows": 300, "steps": 20}
QUICK = {"rows": 200, "steps": 10}


def schema_defaults(kind: str) -> tuple[dict, dict]:
    """(the train schema's hyperparameter defaults, the evaluate schema's top-level defaults), from the same files the
    runner validates payloads with (exported from packages/queue, whose hyperparameters are packages/core's)."""
    from whetstone_runner import contract
    from whetstone_runner.schema import load_schema

    train = load_schema(contract.job_kind("train")["schema"])
    hp = {k: v["default"] for k, v in train["properties"]["hyperparameters"]["properties"].items()}
    missing = set(train["properties"]["hyperparameters"]["required"]) - set(hp)
    if missing:
        raise SystemExit(f"train schema: no default for {sorted(missing)}")
    evaluate = load_schema(contract.job_kind(kind)["schema"])
    ev = {k: v["default"] for k, v in evaluate["properties"].items() if "default" in v}
    return hp, ev


def dataset_entry(storage: Path, key: str, name: str, fmt: str, rows: list[dict]) -> dict:
    path = storage / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"datasetVersionId": f"dv_{name}", "name": name, "key": key, "format": fmt, "container": "jsonl",
            "weight": 1, "rows": len(rows), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def run_one(name: str, args, hp: dict, eval_defaults: dict, model_dir: Path, data_dir: Path, root: Path) -> dict:
    from whetstone_runner.data import carve_test
    from whetstone_runner.jobs import JobContext, run_job
    from whetstone_runner.storage import LocalStorage

    stem, technique, fmt, seq = DATASETS[name]
    hp = hp | {"maxSeqLength": args.max_seq_length or seq}
    rows = [json.loads(line) for line in (data_dir / f"{stem}.train.jsonl").read_text(encoding="utf-8").splitlines()]
    storage_dir = root / "storage"
    storage = LocalStorage(storage_dir)
    events: list[dict] = []
    job = f"job_{name.replace('-', '_')}"
    dataset = dataset_entry(storage_dir, f"datasets/bench/dv_{name}/data.jsonl", name, fmt, rows)
    base = {"id": "bm_smollm2", "name": "SmolLM2-135M-Instruct", "source": "local", "ref": str(model_dir),
            "revision": None, "artifactKind": None, "parent": None}
    train_payload = {
        "kind": "train", "schemaVersion": 1, "jobId": job, "teamId": "bench", "technique": technique, "method": "lora",
        "hyperparameters": hp, "baseModel": base, "datasets": [dataset], "outputPrefix": f"jobs/{job}/",
        "requiredVramMb": 0,
    }
    ctx = JobContext(runner="bench", attempt=1, emit=events.append, storage=storage, workdir=root / "train")
    t0 = time.monotonic()
    trained = run_job(train_payload, ctx)
    train_s = time.monotonic() - t0
    if trained.get("status") != "succeeded":
        raise SystemExit(f"{name}: train job ended {trained.get('status')!r}")

    # The automatic evaluation (packages/api): reference = the base, candidate = the produced adapter.
    eval_id = f"eval_{name.replace('-', '_')}"
    produced = {"id": f"bm_{job}", "name": f"{name}-lora", "source": "artifact", "ref": f"jobs/{job}/artifacts/",
                "revision": None, "artifactKind": "adapter", "parent": base}
    eval_payload = {
        "kind": "evaluate", "schemaVersion": 1, "jobId": eval_id, "teamId": "bench", "technique": technique,
        "models": [{"modelId": m["id"], "label": m["name"], "ref": m} for m in (base, produced)],
        "datasets": [dataset],
        "split": {"kind": "test", "fraction": hp["testSplit"], "seed": hp["seed"]},
        **{k: eval_defaults[k] for k in ("maxExamples", "maxNewTokens", "bootstrapResamples")},
        "maxSeqLength": hp["maxSeqLength"], "seed": hp["seed"],
        "outputPrefix": f"evaluations/{eval_id}/", "requiredVramMb": 0,
    }
    ctx = JobContext(runner="bench", attempt=1, emit=events.append, storage=storage, workdir=root / "eval")
    t0 = time.monotonic()
    evaluated = run_job(eval_payload, ctx)
    eval_s = time.monotonic() - t0
    if evaluated.get("status") != "succeeded":
        raise SystemExit(f"{name}: evaluate job ended {evaluated.get('status')!r}")
    report = json.loads((storage_dir / evaluated["artifacts"][0]["key"]).read_text())

    task = report["tasks"][0]
    primary = task["primaryMetric"]
    row = next(r for r in report["comparisons"][0]["metrics"] if r["metric"] == primary)
    others = {r["metric"]: r for r in report["comparisons"][0]["metrics"]}
    n_test = len(carve_test(rows, hp["testSplit"], hp["seed"])[0])
    s = trained["summary"]
    logs = [e["message"] for e in events if e.get("type") == "log" and ("dropped" in e.get("message", "")
                                                                        or "skipp" in e.get("message", ""))]
    return {
        "dataset": name, "technique": technique, "seq": hp["maxSeqLength"], "rows": len(rows), "test": n_test,
        "train": len(rows) - n_test, "examples": task["examples"], "steps": s["steps"],
        "train_s": train_s, "train_loop_s": s.get("train_runtime_seconds"), "eval_s": eval_s,
        "metric": primary, "base": row["base"], "candidate": row["candidate"], "delta": row["delta"],
        "ci": (row["ciLow"], row["ciHigh"]), "verdict": row["verdict"], "higher_is_better": row["higherIsBetter"],
        "also": {m: (r["base"], r["candidate"], r["verdict"]) for m, r in others.items() if m != primary},
        "summary": s, "headline": report["headline"], "notes": logs,
        "flips": {k: (v["gained"]["count"], v["lost"]["count"]) for k, v in report["comparisons"][0]["flips"].items()},
        "generations": _some_generations(report) if technique == "sft" else None,
    }


def _some_generations(report: dict, k: int = 3) -> list[tuple[str, str, str]]:
    flips = next(iter(report["comparisons"][0]["flips"].values()), None) or {}
    out = []
    for side in ("gained", "lost"):
        for ex in flips.get(side, {}).get("examples", [])[:k]:
            out.append((side, ex["reference"], f"base={ex['base']!r} ft={ex['candidate']!r}"))
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=DEFAULT_DATASETS, help=f"comma-separated, of {', '.join(DATASETS)}")
    p.add_argument("--rows", type=int, default=None, help=f"rows of each dataset given to the job (default {FULL['rows']})")
    p.add_argument("--steps", type=int, default=None, help=f"maxSteps (default {FULL['steps']})")
    p.add_argument("--max-seq-length", type=int, default=None,
                   help="maxSeqLength for every dataset (default per dataset: "
                        + ", ".join(f"{k} {v[3]}" for k, v in DATASETS.items()) + ")")
    p.add_argument("--max-chars", type=int, default=1500, help="sample_data's cut of long texts (its own default, 1500)")
    p.add_argument("--quick", action="store_true", help=f"~10 min on 2 busy cores: {QUICK}, --threads 1")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's; 1 ran ~3x faster than 2 on the 2-core VM at load 6-9)")
    p.add_argument("--json", default=None, help="also write every result (with the training summaries) to this file")
    args = p.parse_args()
    chosen = QUICK if args.quick else FULL
    if args.quick and args.threads is None:
        args.threads = 1
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    for k in ("rows", "steps"):
        if getattr(args, k) is None:
            setattr(args, k, chosen[k])
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise SystemExit(f"unknown datasets {unknown}; known: {', '.join(DATASETS)}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    import torch

    from whetstone_runner import pretrained, sample_data

    if args.threads:
        torch.set_num_threads(args.threads)

    defaults, eval_defaults = schema_defaults("evaluate")
    seqs = {n: args.max_seq_length or DATASETS[n][3] for n in names}
    overrides = {"maxSteps": args.steps, "maxSeqLength": " / ".join(f"{n} {v}" for n, v in seqs.items()),
                 "evalEverySteps": max(1, args.steps // 2), "checkpointEverySteps": max(1, args.steps // 2)}
    hp = defaults | overrides
    print("defaults (train schema = packages/core DEFAULT_HYPERPARAMETERS): "
          + ", ".join(f"{k}={v}" for k, v in defaults.items()))
    print("overridden for a CPU run: " + ", ".join(f"{k}: {defaults[k]} -> {v}" for k, v in overrides.items())
          + f", rows per dataset: all -> {args.rows}")
    print(f"torch threads: {torch.get_num_threads()}")
    print(f"evaluation (automatic test-split evaluation): split test, fraction {hp['testSplit']}, seed {hp['seed']}, "
          f"maxSeqLength the job's, maxExamples {eval_defaults['maxExamples']}, maxNewTokens "
          f"{eval_defaults['maxNewTokens']}, bootstrapResamples {eval_defaults['bootstrapResamples']}")
    try:
        load = os.getloadavg()
        print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)", flush=True)
    except OSError:
        pass

    model_dir = Path(pretrained.convert(pretrained.default_dir())["path"])
    results = []
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="model-quality-") as tmp:
        root = Path(tmp)
        sample_data.write(root / "data", rows=args.rows, test_rows=1, max_chars=args.max_chars or None)
        for name in names:
            print(f"\n== {name}: train + evaluate ...", flush=True)
            r = run_one(name, args, hp, eval_defaults, model_dir, root / "data", root / name)
            results.append(r)
            print(f"   {r['headline']}")
            print(f"   train {r['train_s']:.0f}s (loop {r['train_loop_s'] or 0:.0f}s), eval {r['eval_s']:.0f}s; "
                  f"train loss {r['summary'].get('train_loss')}, best val loss {r['summary'].get('best_val_loss')} "
                  f"(step {r['summary'].get('best_step')}); "
                  f"other metrics (base -> ft, verdict): "
                  + "; ".join(f"{m} {b:.3f} -> {c:.3f} {v}" for m, (b, c, v) in r["also"].items()), flush=True)
            for note in r["notes"]:
                print(f"   runner: {note}")
            for g in r["generations"] or []:
                print(f"   {g[0]}: reference {g[1]!r}: {g[2]}")
    total = time.monotonic() - t_all

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores, no GPU)"
    print(f"\nSmolLM2-135M-Instruct, method lora, {device}, torch {torch.__version__}; total {total / 60:.1f} min")
    head = ("dataset", "rows (train/test)", "seq", "steps", "train s", "eval s", "primary metric", "base", "fine-tuned",
            "delta [95% CI]", "verdict")
    table = [head]
    for r in results:
        table.append((r["dataset"], f"{r['train']}/{r['test']}", str(r["seq"]), str(int(r["steps"])), f"{r['train_s']:.0f}",
                      f"{r['eval_s']:.0f}", r["metric"] + ("" if r["higher_is_better"] else " (lower better)"),
                      f"{r['base']:.3f}", f"{r['candidate']:.3f}",
                      f"{r['delta']:+.3f} [{r['ci'][0]:+.3f}, {r['ci'][1]:+.3f}]", r["verdict"]))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("| " + " | ".join("-" * w for w in widths) + " |")
    try:
        load = os.getloadavg()
        print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
