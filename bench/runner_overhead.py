"""Runner overhead: the same LoRA run through the agent (real Redis, BullMQ job, the agent's fork-server child) and
through a plain transformers + PEFT script on the same data. Prints wall time, tokens/s and CPU-seconds per token of
both, and the ratios.

    gpu-runner/.venv/bin/python bench/runner_overhead.py                       # tiny model, CPU, 1 torch thread
    gpu-runner/.venv/bin/python bench/runner_overhead.py --repeat 7 --threads 2
    gpu-runner/.venv/bin/python bench/runner_overhead.py --model-config 0.5b   # ~0.5B Llama from config (GPU)

Made for a shared machine: both sides run as fresh processes with the same torch thread count (OMP_NUM_THREADS and
torch.set_num_threads = --threads), the sides are interleaved (plain, agent, plain, agent, …) --repeat times so that
load changes hit both, CPU-seconds (user + system of every process involved: the plain script's process; the agent,
its fork server and the job's child) are reported beside wall time, and each figure is the median over repetitions
with its min–max; the ratios are taken per pair (repetition i of each side) and summarised the same way.

--model-config: tiny (hidden 64, 2 layers), small (hidden 256, 4 layers), 0.5b (hidden 1280, 24 layers,
intermediate 4864: ~0.55B parameters), or hidden:layers:heads:kv_heads:intermediate. The model is random-init
from config with the bundled tokenizer: nothing is downloaded. On CUDA the table adds MFU (6·N·tokens/s over
--peak-tflops, default 989 = H100/H200 SXM dense bf16) and peak GPU memory.

The GPU check (bench/gpu-check.sh) runs it with --direct: the runner's job code (run_job: data, model, trainer,
events, artifacts) in a fresh process without the agent and Redis, which a borrowed GPU machine lacks; --method
full for full fine-tuning; --fill for rows that fill --seq-len, as the estimator assumes; --estimates
bench/gpu-estimates.json prints what the estimator predicted (npx tsx bench/gpu-estimates.ts) beside what was
measured:

    python bench/runner_overhead.py --model-config 0.5b --direct --fill --seq-len 512 --steps 120 \
        --estimates bench/gpu-estimates.json [--method full]
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

import psutil
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


def rows(n: int, seed: int = 0, fill: int = 0) -> list[dict]:
    """Short support chats; fill > 0: each user turn has `fill` filler words (rows reach the sequence limit)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        t = rng.choice(list(TOPICS))
        filler = [rng.choice(["please", "help", "today", "again", "order", "thanks"])
                  for _ in range(fill or rng.randint(2, 30))]
        q = f"My question is about {rng.choice(TOPICS[t])}; " + " ".join(filler)
        out.append({"messages": [{"role": "user", "content": q},
                                 {"role": "assistant", "content": f"This is a {t} question. The {t} team will answer."}]})
    return out


def fill_words(seq_len: int) -> int:
    """Filler words that bring a chat close to seq_len tokens with the bundled tokenizer (~1.9 tokens a word) and
    leave its answer inside the limit (the answer is what supervised fine-tuning learns)."""
    return max(1, int((seq_len - 40) / 2))


def hyper(args) -> dict:
    """The train schema's defaults (what the runner validates against), with this benchmark's settings over them."""
    from whetstone_runner import contract
    from whetstone_runner.schema import load_schema

    props = load_schema(contract.job_kind("train")["schema"])["properties"]["hyperparameters"]["properties"]
    defaults = {k: v["default"] for k, v in props.items() if "default" in v}
    return defaults | {"epochs": 100, "learningRate": 2e-3, "batchSize": args.batch_size, "gradientAccumulationSteps": 1,
            "maxSeqLength": args.seq_len, "warmupRatio": 0, "weightDecay": 0, "loraR": 16, "loraAlpha": 32,
            "loraDropout": 0.0, "validationSplit": 0.1, "testSplit": 0, "earlyStoppingPatience": 0, "evalEverySteps": 10**6,
            "checkpointEverySteps": 10**6, "logEverySteps": 10, "maxSteps": args.steps, "seed": 42, "packing": False,
            "mergeWeights": False}


def thread_env(threads: int) -> dict:
    """The same torch/OpenMP thread count for every process of both sides."""
    return {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def tree_cpu(root: psutil.Process) -> tuple[float, set[int]]:
    """CPU-seconds (user + system) of `root` and its descendants, the reaped children of each included."""
    total, pids = 0.0, set()
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
            pids.add(p.pid)
        except psutil.NoSuchProcess:
            pass
    return total, pids


def bench_payload(args, tag: str, model_dir: Path, data_file: Path, storage: Path) -> dict:
    """A train job on the chat file, copied into storage as an upload would be."""
    import hashlib

    key = f"datasets/bench/{tag}.jsonl"
    (storage / key).parent.mkdir(parents=True, exist_ok=True)
    (storage / key).write_bytes(data_file.read_bytes())
    return {"kind": "train", "schemaVersion": 1, "jobId": f"bench_{tag}", "teamId": "bench", "technique": "sft",
            "method": args.method, "hyperparameters": hyper(args),
            "baseModel": {"id": "bm", "name": "bench-llama", "source": "local", "ref": str(model_dir), "revision": None,
                          "artifactKind": None, "parent": None},
            "datasets": [{"datasetVersionId": "dv", "name": "chat", "key": key, "format": "chat", "container": "jsonl",
                          "weight": 1, "rows": args.rows, "sha256": hashlib.sha256(data_file.read_bytes()).hexdigest()}],
            "outputPrefix": f"jobs/bench_{tag}/", "requiredVramMb": 0}


def through_agent(args, model_dir: Path, data_file: Path, storage: Path, work: Path) -> dict:
    from bullmq import Queue

    tag = uuid.uuid4().hex[:8]
    queue, stream, prefix = f"bench-training-{tag}", f"bench:events:{tag}", f"bench:{tag}"
    payload = bench_payload(args, tag, model_dir, data_file, storage)
    env = {**os.environ, "REDIS_URL": args.redis_url, "STORAGE_URL": f"file://{storage}", "RUNNER_NAME": f"bench-{tag}",
           "WHETSTONE_QUEUE": queue, "WHETSTONE_EVENTS_STREAM": stream, "WHETSTONE_KEY_PREFIX": prefix,
           "RUNNER_WORKDIR": str(work), "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING", **thread_env(args.threads)}
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

        tree = psutil.Process(agent.pid)
        time.sleep(0.5)  # let the fork server finish its warm-up child
        cpu0, pids0 = tree_cpu(tree)
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
        # the job's child exits after its last event: wait until it is gone (reaped, so its CPU is in its parent's)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and tree_cpu(tree)[1] - pids0:
            time.sleep(0.05)
        cpu = tree_cpu(tree)[0] - cpu0
        if done[0]["state"] != "succeeded":
            raise RuntimeError(done[0]["message"])
        s = done[0]["summary"]
        return {"wall": wall, "train": s["train_runtime_seconds"], "tokens": s["tokens_seen"], "steps": s["steps"],
                "cpu": cpu}
    finally:
        agent.terminate()
        agent.wait(30)
        keys = list(r.scan_iter(f"bull:{queue}:*")) + [stream]
        r.delete(*keys)


def direct(args, model_dir: Path, data_file: Path, storage: Path, work: Path) -> dict:
    """The runner's job code in a fresh process, without the agent: what --direct measures."""
    cmd = [sys.executable, __file__, "--direct-child", json.dumps({"model_dir": str(model_dir), "data_file": str(data_file),
                                                                   "storage": str(storage), "work": str(work)}),
           *child_args(args)]
    return run_child(cmd, {**thread_env(args.threads), "HF_HUB_OFFLINE": "1"})


def run_child(cmd: list[str], env: dict) -> dict:
    out = subprocess.run(cmd, env={**os.environ, **env}, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{cmd[2]} failed ({out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def direct_child(args, model_dir: Path, data_file: Path, storage: Path, work: Path) -> dict:
    torch.set_num_threads(args.threads)
    from whetstone_runner.jobs import JobContext, run_job
    from whetstone_runner.storage import LocalStorage

    payload = bench_payload(args, uuid.uuid4().hex[:8], model_dir, data_file, storage)
    t0, cpu0 = time.perf_counter(), time.process_time()
    ctx = JobContext(runner="bench", attempt=1, emit=lambda _e: None, storage=LocalStorage(storage), workdir=work)
    result = run_job(payload, ctx)
    if result["status"] != "succeeded":
        raise RuntimeError(result)
    s = result["summary"]
    return {"wall": time.perf_counter() - t0, "train": s["train_runtime_seconds"], "tokens": s["tokens_seen"],
            "steps": s["steps"], "cpu": time.process_time() - cpu0, "peak_mb": peak_mb()}


def peak_mb() -> float | None:
    return torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None


def child_args(args) -> list[str]:
    return ["--steps", str(args.steps), "--batch-size", str(args.batch_size), "--seq-len", str(args.seq_len),
            "--threads", str(args.threads), "--method", args.method, "--rows", str(args.rows)]


def plain_script(args, model_dir: Path, data_file: Path, work: Path) -> dict:
    """The plain script in a fresh process (as the agent's job runs in one), with the same thread count."""
    cmd = [sys.executable, __file__, "--plain-child", json.dumps({"model_dir": str(model_dir), "data_file": str(data_file),
                                                                  "work": str(work)}),
           *child_args(args)]
    return run_child(cmd, thread_env(args.threads))


def plain_child(args, model_dir: Path, data_file: Path, work: Path) -> dict:
    """What a user would write by hand: transformers Trainer (+ PEFT LoRA) on the same chat data, in the runner's
    precision: LoRA on bf16 weights, full fine-tuning on fp32 weights, both with bf16 autocast on CUDA."""
    torch.set_num_threads(args.threads)
    from peft import LoraConfig, get_peft_model
    from transformers import (
        AutoModelForCausalLM,
        AutoTokenizer,
        DataCollatorForSeq2Seq,
        Trainer,
        TrainingArguments,
    )

    t0, cpu0 = time.perf_counter(), time.process_time()
    tok = AutoTokenizer.from_pretrained(model_dir)
    cuda = torch.cuda.is_available()
    dtype = torch.bfloat16 if cuda and args.method == "lora" else torch.float32
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype)
    n_params = model.num_parameters()
    if args.method == "lora":
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
            "steps": trainer.state.global_step, "params": n_params, "cpu": time.process_time() - cpu0,
            "threads": torch.get_num_threads(), "peak_mb": peak_mb()}


def spread(xs: list[float]) -> tuple[float, float, float]:
    """median, min, max"""
    ys = sorted(xs)
    n = len(ys)
    med = ys[n // 2] if n % 2 else (ys[n // 2 - 1] + ys[n // 2]) / 2
    return med, ys[0], ys[-1]


def fmt(xs: list[float], digits: int = 2) -> str:
    med, lo, hi = spread(xs)
    return f"{med:.{digits}f} ({lo:.{digits}f}–{hi:.{digits}f})"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    p = argparse.ArgumentParser(description="runner overhead vs a plain transformers + PEFT script")
    p.add_argument("--model-config", default="tiny", help="tiny | small | 0.5b | hidden:layers:heads:kv_heads:intermediate")
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--rows", type=int, default=400)
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    p.add_argument("--repeat", type=int, default=5, help="pairs of runs (plain, agent), interleaved")
    p.add_argument("--threads", type=int, default=1, help="torch threads of every process of both sides")
    p.add_argument("--peak-tflops", type=float, default=989.0)
    p.add_argument("--method", choices=["lora", "full"], default="lora")
    p.add_argument("--direct", action="store_true", help="the runner's job code without the agent and Redis")
    p.add_argument("--fill", action="store_true", help="rows that fill --seq-len")
    p.add_argument("--estimates", type=Path, help="bench/gpu-estimates.json: the estimator's figures to compare")
    p.add_argument("--plain-child", help=argparse.SUPPRESS)
    p.add_argument("--direct-child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.plain_child or args.direct_child:
        paths = {k: Path(v) for k, v in json.loads(args.plain_child or args.direct_child).items()}
        if args.plain_child:
            print(json.dumps(plain_child(args, paths["model_dir"], paths["data_file"], paths["work"])))
        else:
            print(json.dumps(direct_child(args, paths["model_dir"], paths["data_file"], paths["storage"], paths["work"])))
        return
    if args.model_config in PRESETS:
        size = PRESETS[args.model_config]
    else:
        h, layers, heads, kv, inter = (int(x) for x in args.model_config.split(":"))
        size = {"hidden": h, "layers": layers, "heads": heads, "kv_heads": kv, "intermediate": inter}

    from whetstone_runner.tiny_model import build

    load_start = load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model_dir = build(tmp / "model", **size)
        data_file = tmp / "data.jsonl"
        fill = fill_words(args.seq_len) if args.fill else 0
        data_file.write_text("".join(json.dumps(r) + "\n" for r in rows(args.rows, fill=fill)))
        plains, agents = [], []
        for i in range(args.repeat):
            plains.append(plain_script(args, model_dir, data_file, tmp / f"work-plain-{i}"))
            runner = direct if args.direct else through_agent
            agents.append(runner(args, model_dir, data_file, tmp / "storage", tmp / f"work-agent-{i}"))
            pl, ag = plains[-1], agents[-1]
            print(f"pair {i + 1}: plain wall {pl['wall']:.2f} s, cpu {pl['cpu']:.2f} s; "
                  f"agent wall {ag['wall']:.2f} s, cpu {ag['cpu']:.2f} s; load {load()}", flush=True)
        n_params = plains[0]["params"]
        if plains[0]["threads"] != args.threads:
            raise RuntimeError(f"the plain script ran {plains[0]['threads']} threads, not {args.threads}")
    load_end = load()

    side = "runner (direct)" if args.direct else "agent"
    for r in plains + agents:
        r["tps"] = r["tokens"] / r["train"]
        r["cpu_ms_per_ktok"] = 1e6 * r["cpu"] / r["tokens"]
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(f"\nmodel {args.model_config}: {n_params / 1e6:.2f}M parameters, {args.method}, {args.steps} steps, "
          f"batch {args.batch_size}, seq ≤ {args.seq_len}{' (filled)' if args.fill else ''}, device {device}, "
          f"torch threads {args.threads}, {args.repeat} interleaved pairs; "
          f"load average {load_start} at start, {load_end} at end")
    print("median (min–max) over the repetitions:")
    print("| path | wall s | train s | tokens | tokens/s | CPU s | CPU ms / 1k tokens |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, rs in (("plain script", plains), (side, agents)):
        print(f"| {name} | {fmt([r['wall'] for r in rs])} | {fmt([r['train'] for r in rs])} | "
              f"{spread([r['tokens'] for r in rs])[0]:,.0f} | {fmt([r['tps'] for r in rs], 0)} | "
              f"{fmt([r['cpu'] for r in rs])} | {fmt([r['cpu_ms_per_ktok'] for r in rs], 1)} |")

    def ratio(key: str) -> list[float]:
        return [a[key] / b[key] for a, b in zip(agents, plains, strict=True)]

    print(f"ratio {side}/plain per pair, median (min–max): wall {fmt(ratio('wall'))}×, tokens/s {fmt(ratio('tps'))}×, "
          f"CPU per token {fmt(ratio('cpu_ms_per_ktok'))}×")
    if torch.cuda.is_available():
        for name, rs in (("plain script", plains), (side, agents)):
            mfu = 6 * n_params * spread([r["tps"] for r in rs])[0] / (args.peak_tflops * 1e12)
            peak = [r["peak_mb"] for r in rs if r.get("peak_mb") is not None]
            print(f"MFU {name}: {100 * mfu:.1f}% (6·N·tokens/s over {args.peak_tflops:g} TFLOPS)"
                  + (f"; peak GPU memory {max(peak) / 1024:.2f} GiB" if peak else ""))
    if args.estimates:
        est = json.loads(args.estimates.read_text())[args.method]
        tps = spread([r["tps"] for r in agents])[0]
        print(f"estimator ({args.estimates.name}, {args.method}): {est['tokensPerSecond']:,.0f} tokens/s predicted, "
              f"{tps:,.0f} measured ({tps / est['tokensPerSecond']:.2f}×)", end="")
        peak = [r["peak_mb"] for r in agents if r.get("peak_mb") is not None]
        if peak:
            # torch's peak allocation holds tensors only: compare it with the prediction less its overhead line
            # (CUDA context, workspaces, fragmentation)
            gib = (est["vramBytes"] - est["vramBreakdown"]["overhead"]) / 2**30
            print(f"; tensors {gib:.2f} GiB predicted (total {est['vramBytes'] / 2**30:.2f} GiB with the overhead), "
                  f"{max(peak) / 1024:.2f} GiB peak allocated ({max(peak) / 1024 / gib:.2f}×)")
        else:
            print()
    assert all(math.isfinite(r["tps"]) for r in agents)


if __name__ == "__main__":
    main()
