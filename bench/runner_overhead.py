"""Runner overhead: the same LoRA run through the agent (real Redis, child process) and through a plain
transformers + PEFT script on the same data, in one run. Prints wall time and tokens/s of both and the ratios.

    gpu-runner/.venv/bin/python bench/runner_overhead.py                       # tiny model, CPU
    gpu-runner/.venv/bin/python bench/runner_overhead.py --model-config 0.5b   # ~0.5B Llama from config (GPU)

--model-config: tiny (hidden 64, 2 layers), small (hidden 256, 4 layers), 0.5b (hidden 1280, 24 layers,
intermediate 4864: ~0.55B parameters), or hidden:layers:heads:kv_heads:intermediate. The model is random-init
from config with the bundled tokenizer: nothing is downloaded. On CUDA the table adds MFU (6·N·tokens/s over
--peak-tflops, default 989 = H100 SXM dense bf16).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis
import torch

REPO = Path(__file__).resolve().parents[1]
PRESETS = {
    "tiny": {"hidden": 64, "layers": 2, "heads": 4, "kv_heads": 2, "intermediate": 128},
    "small": {"hidden": 256, "layers": 4, "heads": 8, "kv_heads": 4, "intermediate": 768},
    "0.5b": {"hidden": 1280, "layers": 24, "heads": 20, "kv_heads": 4, "intermediate": 4864},
}
TOPICS = {"refund": ["refund", "money back", "paid twice"], "shipping": ["parcel", "delivery", "courier"],
          "account": ["password", "sign in", "profile"]}


def rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        t = rng.choice(list(TOPICS))
        filler = [rng.choice(["please", "help", "today", "again", "order", "thanks"]) for _ in range(rng.randint(2, 30))]
        q = f"My question is about {rng.choice(TOPICS[t])}; " + " ".join(filler)
        out.append({"messages": [{"role": "user", "content": q},
                                 {"role": "assistant", "content": f"This is a {t} question. The {t} team will answer."}]})
    return out


def hyper(args) -> dict:
    return {"epochs": 100, "learningRate": 2e-3, "batchSize": args.batch_size, "gradientAccumulationSteps": 1,
            "maxSeqLength": args.seq_len, "warmupRatio": 0, "weightDecay": 0, "loraR": 16, "loraAlpha": 32,
            "loraDropout": 0.0, "validationSplit": 0.1, "testSplit": 0, "earlyStoppingPatience": 0, "evalEverySteps": 10**6,
            "checkpointEverySteps": 10**6, "logEverySteps": 10, "maxSteps": args.steps, "seed": 42, "packing": False,
            "mergeWeights": False}


def through_agent(args, model_dir: Path, data_file: Path, storage: Path, work: Path) -> dict:
    from bullmq import Queue

    tag = uuid.uuid4().hex[:8]
    queue, stream, prefix = f"bench-training-{tag}", f"bench:events:{tag}", f"bench:{tag}"
    key = f"datasets/bench/{tag}.jsonl"
    (storage / key).parent.mkdir(parents=True, exist_ok=True)
    (storage / key).write_bytes(data_file.read_bytes())
    import hashlib

    payload = {"kind": "train", "schemaVersion": 1, "jobId": f"bench_{tag}", "teamId": "bench", "technique": "sft", "method": "lora",
               "hyperparameters": hyper(args),
               "baseModel": {"id": "bm", "name": "bench-llama", "source": "local", "ref": str(model_dir), "revision": None,
                             "artifactKind": None, "parent": None},
               "datasets": [{"datasetVersionId": "dv", "name": "chat", "key": key, "format": "chat", "container": "jsonl",
                             "weight": 1, "rows": args.rows, "sha256": hashlib.sha256(data_file.read_bytes()).hexdigest()}],
               "outputPrefix": f"jobs/bench_{tag}/", "requiredVramMb": 0}
    env = {**os.environ, "REDIS_URL": args.redis_url, "STORAGE_URL": f"file://{storage}", "RUNNER_NAME": f"bench-{tag}",
           "WHETSTONE_QUEUE": queue, "WHETSTONE_EVENTS_STREAM": stream, "WHETSTONE_KEY_PREFIX": prefix,
           "RUNNER_WORKDIR": str(work), "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING"}
    agent = subprocess.Popen([sys.executable, "-m", "whetstone_runner"], env=env)
    r = redis.Redis.from_url(args.redis_url, decode_responses=True)
    try:
        # agent start-up (imports, warm fork server) is not part of the job's time: wait for its first heartbeat
        while not r.xlen(stream):
            if agent.poll() is not None:
                raise RuntimeError("agent exited")
            time.sleep(0.05)

        async def add():
            q = Queue(queue, {"connection": args.redis_url})
            await q.add("training.run", payload, {"jobId": payload["jobId"]})
            await q.close()

        t0 = time.perf_counter()
        asyncio.run(add())
        while True:
            evs = [json.loads(f["data"]) for _i, f in r.xrange(stream)]
            done = [e for e in evs if e["type"] == "state" and e["state"] in ("succeeded", "failed")]
            if done:
                break
            if agent.poll() is not None:
                raise RuntimeError("agent exited")
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        if done[0]["state"] != "succeeded":
            raise RuntimeError(done[0]["message"])
        s = done[0]["summary"]
        return {"wall": wall, "train": s["train_runtime_seconds"], "tokens": s["tokens_seen"], "steps": s["steps"]}
    finally:
        agent.terminate()
        agent.wait(30)
        keys = list(r.scan_iter(f"bull:{queue}:*")) + [stream]
        r.delete(*keys)


def plain_script(args, model_dir: Path, data_file: Path, work: Path) -> dict:
    """What a user would write by hand: transformers Trainer + PEFT LoRA on the same chat data."""
    from peft import LoraConfig, get_peft_model
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        Trainer,
        TrainingArguments,
    )

    t0 = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(model_dir)
    cuda = torch.cuda.is_available()
    dtype = torch.bfloat16 if cuda else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    n_params = model.num_parameters()
    model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear",
                                             task_type="CAUSAL_LM"))
    data = [json.loads(line) for line in data_file.read_text().splitlines()]
    items = []
    for row in data[: int(len(data) * 0.9)]:
        ids = tok.apply_chat_template(row["messages"], tokenize=True, return_dict=False)[: args.seq_len]
        items.append({"input_ids": ids, "attention_mask": [1] * len(ids), "labels": ids})
    targs = TrainingArguments(output_dir=str(work / "plain"), per_device_train_batch_size=args.batch_size,
                              learning_rate=2e-3, max_steps=args.steps, logging_steps=10, save_strategy="no",
                              report_to="none", disable_tqdm=True, use_cpu=not cuda, bf16=cuda, seed=42,
                              include_num_input_tokens_seen="non_padding", remove_unused_columns=False)
    trainer = Trainer(model=model, args=targs, train_dataset=items,
                      data_collator=DataCollatorForSeq2Seq(tok, padding=True, label_pad_token_id=-100))
    t1 = time.perf_counter()
    trainer.train()
    train = time.perf_counter() - t1
    model.save_pretrained(work / "plain-adapter")
    return {"wall": time.perf_counter() - t0, "train": train, "tokens": trainer.state.num_input_tokens_seen,
            "steps": trainer.state.global_step, "params": n_params}


def main() -> None:
    p = argparse.ArgumentParser(description="runner overhead vs a plain transformers + PEFT script")
    p.add_argument("--model-config", default="tiny", help="tiny | small | 0.5b | hidden:layers:heads:kv_heads:intermediate")
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--rows", type=int, default=400)
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    p.add_argument("--repeat", type=int, default=3, help="runs of each path; the best is reported")
    p.add_argument("--peak-tflops", type=float, default=989.0)
    args = p.parse_args()
    if args.model_config in PRESETS:
        size = PRESETS[args.model_config]
    else:
        h, layers, heads, kv, inter = (int(x) for x in args.model_config.split(":"))
        size = {"hidden": h, "layers": layers, "heads": heads, "kv_heads": kv, "intermediate": inter}

    from whetstone_runner.tiny_model import build

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = build(tmp / "model", **size)
        data_file = tmp / "data.jsonl"
        data_file.write_text("".join(json.dumps(r) + "\n" for r in rows(args.rows)))
        # alternate the two paths and keep the best of each: the machine may be shared, and the first run of
        # each path pays one-off warm-up costs
        plains, agents = [], []
        for i in range(args.repeat):
            plains.append(plain_script(args, model_dir, data_file, tmp / f"work-plain-{i}"))
            agents.append(through_agent(args, model_dir, data_file, tmp / "storage", tmp / f"work-agent-{i}"))
        plain = min(plains, key=lambda r: r["wall"])
        agent = min(agents, key=lambda r: r["wall"])
        n_params = plain["params"]
        print("all runs (wall s / train s):", "plain", [(round(r["wall"], 2), round(r["train"], 2)) for r in plains],
              "agent", [(round(r["wall"], 2), round(r["train"], 2)) for r in agents])

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(f"\nmodel {args.model_config}: {n_params / 1e6:.2f}M parameters, {args.steps} steps, batch {args.batch_size}, "
          f"seq ≤ {args.seq_len}, device {device}")
    print(f"{'path':<14}{'wall s':>10}{'train s':>10}{'tokens':>10}{'tokens/s':>12}")
    for name, r in (("plain script", plain), ("agent", agent)):
        r["tps"] = r["tokens"] / r["train"]
        print(f"{name:<14}{r['wall']:>10.2f}{r['train']:>10.2f}{r['tokens']:>10.0f}{r['tps']:>12.1f}")
    print(f"ratio agent/plain: wall time {agent['wall'] / plain['wall']:.2f}x, tokens/s {agent['tps'] / plain['tps']:.2f}x")
    if torch.cuda.is_available():
        for name, r in (("plain script", plain), ("agent", agent)):
            mfu = 6 * n_params * r["tps"] / (args.peak_tflops * 1e12)
            print(f"MFU {name}: {100 * mfu:.1f}% (6·N·tokens/s over {args.peak_tflops:g} TFLOPS)")
    assert math.isfinite(agent["tps"])


if __name__ == "__main__":
    main()
