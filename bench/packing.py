"""Effective tokens per second (padding excluded) of continued pre-training with and without packing,
on raw text of mixed lengths, through the runner's own training path (jobs.run_job, tiny model). Prints the ratio.

    gpu-runner/.venv/bin/python bench/packing.py [--steps 40 --seq-len 128 --batch-size 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import tempfile
from pathlib import Path

import torch


def text_rows(n: int, seed: int = 0) -> list[dict]:
    from whetstone_runner.tiny_model import corpus_text

    words = corpus_text().split()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        length = rng.choice([rng.randint(5, 20), rng.randint(20, 60), rng.randint(60, 120)])  # short, medium, long
        start = rng.randrange(0, len(words) - length)
        out.append({"text": " ".join(words[start:start + length])})
    return out


def run(packing: bool, args, model_dir: Path, root: Path) -> dict:
    from whetstone_runner.storage import LocalStorage
    from whetstone_runner.jobs import JobContext, run_job

    data = root / "storage" / "datasets" / "text.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in text_rows(args.rows)))
    job = f"pack_{packing}"
    payload = {
        "kind": "train", "schemaVersion": 1, "jobId": job, "teamId": "bench", "technique": "continued_pretraining", "method": "lora",
        "hyperparameters": {"epochs": 100, "learningRate": 2e-3, "batchSize": args.batch_size, "gradientAccumulationSteps": 1,
                            "maxSeqLength": args.seq_len, "warmupRatio": 0, "weightDecay": 0, "loraR": 16, "loraAlpha": 32,
                            "loraDropout": 0.0, "validationSplit": 0.05, "testSplit": 0, "earlyStoppingPatience": 0,
                            "evalEverySteps": 10**6, "checkpointEverySteps": 10**6, "logEverySteps": 10,
                            "maxSteps": args.steps, "seed": 42, "packing": packing, "mergeWeights": False},
        "baseModel": {"id": "bm", "name": "tiny", "source": "local", "ref": str(model_dir), "revision": None,
                      "artifactKind": None, "parent": None},
        "datasets": [{"datasetVersionId": "dv", "name": "text", "key": "datasets/text.jsonl", "format": "text",
                      "container": "jsonl", "weight": 1, "rows": args.rows,
                      "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}],
        "outputPrefix": f"jobs/{job}/", "requiredVramMb": 0,
    }
    ctx = JobContext(runner="bench", attempt=1, emit=lambda e: None, storage=LocalStorage(root / "storage"),
                     workdir=root / f"work-{packing}")
    s = run_job(payload, ctx)["summary"]
    tokens, seconds = s["tokens_seen"], s["train_runtime_seconds"]
    return {"tokens": tokens, "seconds": seconds, "tps": tokens / seconds}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--rows", type=int, default=1500)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from whetstone_runner.tiny_model import build

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_dir = build(root / "model", hidden=args.hidden, layers=args.layers)
        # two rounds, alternating, best of each: the first run also pays one-off warm-up costs
        results = {False: [], True: []}
        for _round in range(2):
            for packing in (False, True):
                results[packing].append(run(packing, args, model_dir, root / f"r{_round}"))
        unpacked, packed = (max(results[k], key=lambda r: r["tps"]) for k in (False, True))
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(f"\ncontinued pre-training, {args.steps} steps, batch {args.batch_size}, seq {args.seq_len}, "
          f"hidden {args.hidden} x {args.layers} layers, {device}")
    print(f"{'':<12}{'real tokens':>12}{'train s':>10}{'tokens/s':>12}")
    for name, r in (("no packing", unpacked), ("packing", packed)):
        print(f"{name:<12}{r['tokens']:>12.0f}{r['seconds']:>10.2f}{r['tps']:>12.1f}")
    print(f"ratio packing/no packing (effective tokens/s): {packed['tps'] / unpacked['tps']:.2f}x")


if __name__ == "__main__":
    main()
