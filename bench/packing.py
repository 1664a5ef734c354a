"""Effective tokens per second (padding excluded) with and without packing, through the runner's own training path
(jobs.run_job, tiny model, LoRA), in one run:

- continued pre-training on raw text of mixed lengths: no packing, the old packing (documents in one block see each
  other: all-ones mask, positions running on) and isolated packing (positions restart per document, block-diagonal mask);
- supervised fine-tuning on the airline-sentiment chats (sample_data; synthetic chats of mixed length without its
  PyPI package): padded batches and packed ones (the same rows per step).

Prints each mode's figures (best of --rounds alternating rounds, and every round's tokens/s) and the ratios.

    gpu-runner/.venv/bin/python bench/packing.py [--steps 40 --seq-len 128 --batch-size 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import random
import resource
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


def chat_rows(n: int, root: Path) -> tuple[list[dict], str]:
    """The demo chats (airline tweets -> sentiment word); synthetic ones of mixed length if the package is missing."""
    try:
        from whetstone_runner.sample_data import write

        write(root / "samples", rows=n, test_rows=10)
        lines = (root / "samples" / "airline-sentiment-sft.train.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(x) for x in lines], "airline-sentiment chats"
    except Exception:  # noqa: BLE001 - the sample package is optional here
        rows = text_rows(n, seed=1)
        return [{"messages": [{"role": "user", "content": r["text"]}, {"role": "assistant", "content": "ok"}]}
                for r in rows], "synthetic chats"


def cpu_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run(name: str, technique: str, fmt: str, rows: list[dict], packing: bool, seq_len: int, args, model_dir: Path,
        root: Path) -> dict:
    from whetstone_runner.jobs import JobContext, run_job
    from whetstone_runner.storage import LocalStorage

    data = root / "storage" / "datasets" / f"{fmt}.jsonl"
    data.parent.mkdir(parents=True, exist_ok=True)
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    job = f"pack_{name.replace(' ', '_').replace(',', '')}"
    from whetstone_runner import contract
    from whetstone_runner.schema import load_schema

    payload = load_schema(contract.job_kind("train")["schema"])["examples"][0]  # every field the schema asks for
    payload.update(jobId=job, teamId="bench", technique=technique, method="lora", outputPrefix=f"jobs/{job}/",
                   requiredVramMb=0)
    payload["hyperparameters"].update(
        epochs=100, learningRate=2e-3, batchSize=args.batch_size, gradientAccumulationSteps=1, maxSeqLength=seq_len,
        warmupRatio=0, weightDecay=0, loraR=16, loraAlpha=32, loraDropout=0.0, validationSplit=0.05, testSplit=0,
        earlyStoppingPatience=0, evalEverySteps=10**6, checkpointEverySteps=10**6, logEverySteps=10, maxSteps=args.steps,
        seed=42, packing=packing, mergeWeights=False, neftuneNoiseAlpha=None)
    payload["baseModel"] = {"id": "bm", "name": "tiny", "source": "local", "ref": str(model_dir), "revision": None,
                            "artifactKind": None, "parent": None}
    payload["datasets"] = [{"datasetVersionId": "dv", "name": fmt, "key": f"datasets/{fmt}.jsonl", "format": fmt,
                            "container": "jsonl", "weight": 1, "rows": len(rows),
                            "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}]
    ctx = JobContext(runner="bench", attempt=1, emit=lambda e: None, storage=LocalStorage(root / "storage"),
                     workdir=root / f"work-{job}")
    cpu = cpu_seconds()
    s = run_job(payload, ctx)["summary"]
    cpu = cpu_seconds() - cpu  # the whole job's CPU time (steadier than wall time on a shared machine)
    tokens, seconds = s["tokens_seen"], s["train_runtime_seconds"]
    return {"tokens": tokens, "seconds": seconds, "tps": tokens / seconds, "cpu": cpu, "tpc": tokens / cpu}


def unisolated():
    """The packing before isolation: the same blocks, collated as plain rows (all-ones mask, positions 0..L-1)."""
    from whetstone_runner import techniques
    from whetstone_runner.techniques.technique import pad_collator

    old = techniques.TECHNIQUES["continued_pretraining"]
    return old, dataclasses.replace(old, collator=pad_collator)


def padding_share(rows: list[dict], args, model_dir: Path) -> tuple[float, float]:
    """Padded tokens / all tokens of the SFT batches (consecutive rows; the trainer shuffles), padded and packed."""
    from transformers import AutoTokenizer
    from whetstone_runner.data import Collator
    from whetstone_runner.packing import RowPackingCollator
    from whetstone_runner.techniques import sft

    tok = AutoTokenizer.from_pretrained(model_dir)
    items = [sft.tokenize_sft(tok, sft.to_messages(r, "chat"), args.sft_seq_len) for r in rows]
    out = []
    for collate in (Collator(tok.pad_token_id), RowPackingCollator(tok.pad_token_id)):
        total = real = 0
        for i in range(0, len(items), args.batch_size):
            ids = collate(items[i:i + args.batch_size])["input_ids"]
            total, real = total + ids.numel(), real + int((ids != tok.pad_token_id).sum())
        out.append(1 - real / total)
    return out[0], out[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seq-len", type=int, default=128, help="pre-training blocks")
    p.add_argument("--sft-seq-len", type=int, default=256, help="SFT maxSeqLength (the demo chats: 74-167 tokens)")
    p.add_argument("--rows", type=int, default=1500)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--threads", type=int, default=1,
                   help="torch threads (1 on a shared machine: spinning OpenMP threads make timings swing 10x)")
    p.add_argument("--only", choices=["continued_pretraining", "sft"], help="one technique's modes only")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(args.threads)
    from whetstone_runner import techniques
    from whetstone_runner.tiny_model import build

    modes = [  # name, technique, format, packing, unisolated
        ("no packing", "continued_pretraining", "text", False, False),
        ("packing, not isolated (old)", "continued_pretraining", "text", True, True),
        ("packing, isolated", "continued_pretraining", "text", True, False),
        ("SFT padded", "sft", "chat", False, False),
        ("SFT packed", "sft", "chat", True, False),
    ]
    modes = [m for m in modes if args.only in (None, m[1])]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model_dir = build(root / "model", hidden=args.hidden, layers=args.layers)
        data = {"text": (text_rows(args.rows), "raw text")}
        data["chat"] = chat_rows(args.rows, root)
        pad_share = padding_share(data["chat"][0], args, model_dir)
        results: dict[str, list[dict]] = {m[0]: [] for m in modes}
        # alternating rounds, best of each: the first run also pays one-off warm-up costs
        for r in range(args.rounds):
            for name, technique, fmt, packing, old in modes:
                kept, patched = unisolated()
                techniques.TECHNIQUES["continued_pretraining"] = patched if old else kept
                try:
                    seq_len = args.sft_seq_len if technique == "sft" else args.seq_len
                    results[name].append(run(name, technique, fmt, data[fmt][0], packing, seq_len, args, model_dir,
                                             root / f"r{r}"))
                finally:
                    techniques.TECHNIQUES["continued_pretraining"] = kept
    best = {k: max(v, key=lambda x: x["tps"]) for k, v in results.items()}
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(f"\n{args.steps} steps, batch {args.batch_size}, seq {args.seq_len} (SFT {args.sft_seq_len}), "
          f"hidden {args.hidden} x {args.layers} layers, "
          f"{device}, {args.threads} torch thread(s); pre-training on {data['text'][1]}, SFT on {data['chat'][1]} "
          f"(padding share of the SFT batches: {pad_share[0]:.1%} padded, {pad_share[1]:.1%} packed)")
    print(f"{'':<30}{'real tokens':>12}{'train s':>10}{'tokens/s':>12}{'job CPU s':>11}{'tokens/CPU s':>14}  tokens/s each round")
    for name, r in best.items():
        rounds = ", ".join(f"{x['tps']:.0f}" for x in results[name])
        print(f"{name:<30}{r['tokens']:>12.0f}{r['seconds']:>10.2f}{r['tps']:>12.1f}{r['cpu']:>11.1f}"
              f"{r['tokens'] / r['cpu']:>14.1f}  {rounds}")

    def ratio(a: str, b: str) -> None:
        if a not in best or b not in best:
            return
        cpu = min(x["cpu"] for x in results[b]) / min(x["cpu"] for x in results[a])  # same tokens per mode
        print(f"ratio {a} / {b}: effective tokens/s {best[a]['tps'] / best[b]['tps']:.2f}x, "
              f"tokens per job CPU second {cpu * best[a]['tokens'] / best[b]['tokens']:.2f}x")

    ratio("packing, isolated", "no packing")
    ratio("packing, not isolated (old)", "no packing")
    ratio("packing, isolated", "packing, not isolated (old)")
    ratio("SFT packed", "SFT padded")


if __name__ == "__main__":
    main()
