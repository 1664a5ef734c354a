"""Inference next to training: time to first token and tokens/s of `generate` requests answered by the real agent
(BullMQ inference queue → the long-lived inference process → the request's Redis token stream), first with the
runner idle, then while a LoRA training job of the same model runs in the agent's training child on the same
machine. Baseline and ratio come from the same run. Prints a table.

    gpu-runner/.venv/bin/python bench/inference.py                        # tiny model and SmolLM2-135M-Instruct
    gpu-runner/.venv/bin/python bench/inference.py --models tiny --requests 3

TTFT is reported twice: `ttftMs` of the `done` entry (the runner's: from taking the request to its first token;
warm, the model is loaded by a first, unmeasured request) and the client's (from enqueueing the BullMQ job to
reading the first token entry with XREAD: adds the queue pickup and the stream read). tokens/s is the `done`
entry's decode rate after the first token. SmolLM2 comes from `pretrained.default_dir()` (converted once, ~35 s,
when absent). Greedy decoding, `--max-new` tokens; medians over `--requests` requests per condition, in `--repeat`
rounds that alternate idle and training (a fresh training job each round); the best round of each condition is
reported, since other load on a shared machine only ever slows a round down.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "gpu-runner"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from whetstone_runner import contract  # noqa: E402

PROMPTS = ["My parcel has not arrived yet; the tracking number shows no update since Monday. What can I do?",
           "I was charged twice for the same order. How do I get my money back?",
           "I am locked out of my account after changing my email address. Can you help me sign in?"]


def chat_rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    topics = {"refund": "money back", "shipping": "my parcel", "account": "my password"}
    out = []
    for _ in range(n):
        t = rng.choice(list(topics))
        out.append({"messages": [{"role": "user", "content": f"A question about {topics[t]}, {rng.randint(1, 999)}."},
                                 {"role": "assistant", "content": f"This is a {t} question. The {t} team will answer."}]})
    return out


class Bench:
    def __init__(self, args, model_dir: Path, name: str, root: Path):
        tag = uuid.uuid4().hex[:8]
        self.args, self.model_dir, self.name, self.root = args, model_dir, name, root
        self.queue, self.iqueue = f"bench-training-{tag}", f"bench-inference-{tag}"
        self.stream, self.prefix = f"bench:events:{tag}", f"bench:{tag}"
        self.r = redis.Redis.from_url(args.redis_url, decode_responses=True)
        self.env = {**os.environ, "REDIS_URL": args.redis_url, "STORAGE_URL": f"file://{root / 'storage'}",
                    "RUNNER_NAME": f"bench-{tag}", "WHETSTONE_QUEUE": self.queue, "WHETSTONE_INFERENCE_QUEUE": self.iqueue,
                    "WHETSTONE_EVENTS_STREAM": self.stream, "WHETSTONE_KEY_PREFIX": self.prefix,
                    "RUNNER_WORKDIR": str(root / "work"), "HF_HUB_OFFLINE": "1", "LOG_LEVEL": "WARNING"}
        self.agent = None

    def ref(self) -> dict:
        return {"id": "bm", "name": self.name, "source": "local", "ref": str(self.model_dir), "revision": None,
                "artifactKind": None, "parent": None}

    def add(self, queue: str, kind: str, payload: dict) -> None:
        from bullmq import Queue

        async def go():
            q = Queue(queue, {"connection": self.args.redis_url})
            await q.add(contract.job_kind(kind)["jobName"], payload, {"jobId": payload["jobId"]})
            await q.close()

        asyncio.run(go())

    def start(self) -> None:
        self.agent = subprocess.Popen([sys.executable, "-m", "whetstone_runner"], env=self.env, cwd=REPO / "gpu-runner")
        while not self.r.xlen(self.stream):  # first heartbeat: imports and the fork server are ready
            if self.agent.poll() is not None:
                raise RuntimeError("agent exited")
            time.sleep(0.05)

    def ask(self, prompt: str) -> dict:
        job_id = f"gen_{uuid.uuid4().hex[:10]}"
        payload = {"kind": "generate", "schemaVersion": 1, "jobId": job_id, "teamId": "bench",
                   "model": {"modelId": "bm", "label": self.name, "ref": self.ref()}, "task": "chat",
                   "messages": [{"role": "user", "content": prompt}],
                   "sampling": {"temperature": 0, "topP": 1, "maxNewTokens": self.args.max_new, "seed": None},
                   "expiresAt": (datetime.now(UTC) + timedelta(minutes=10)).isoformat()}
        key = contract.redis_key("generationStream", prefix=self.prefix, jobId=job_id)
        t0 = time.perf_counter()
        self.add(self.iqueue, "generate", payload)
        last, first_token = "0", None
        while True:
            got = self.r.xread({key: last}, block=1000)
            if self.agent.poll() is not None:
                raise RuntimeError("agent exited")
            for _key, items in got or []:
                for entry_id, fields in items:
                    last, e = entry_id, json.loads(fields["data"])
                    if e["type"] == "token" and first_token is None:
                        first_token = time.perf_counter() - t0
                    if e["type"] == "error":
                        raise RuntimeError(e["message"])
                    if e["type"] == "done":
                        return {"client_ttft_ms": 1000 * (first_token if first_token is not None else time.perf_counter() - t0),
                                "ttft_ms": e["ttftMs"], "tps": e["tokensPerSecond"],
                                "tokens": e["usage"]["completionTokens"]}

    def measure(self) -> dict:
        runs = [self.ask(PROMPTS[i % len(PROMPTS)]) for i in range(self.args.requests)]
        return {k: statistics.median(r[k] for r in runs) for k in runs[0]} | {"n": len(runs)}

    def start_training(self) -> str:
        tag = uuid.uuid4().hex[:8]
        key = f"datasets/bench/{tag}.jsonl"
        path = self.root / "storage" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r) + "\n" for r in chat_rows(400)))
        hp = {"epochs": 100, "learningRate": 2e-4, "batchSize": self.args.train_batch, "gradientAccumulationSteps": 1,
              "maxSeqLength": 128, "warmupRatio": 0, "weightDecay": 0, "loraR": 16, "loraAlpha": 32, "loraDropout": 0.0,
              "validationSplit": 0.05, "testSplit": 0, "earlyStoppingPatience": 0, "evalEverySteps": 10**6,
              "checkpointEverySteps": 10**6, "logEverySteps": 1, "maxSteps": 10**6, "seed": 42, "packing": False,
              "mergeWeights": False}
        payload = {"kind": "train", "schemaVersion": 1, "jobId": f"bench_train_{tag}", "teamId": "bench", "technique": "sft",
                   "method": "lora", "hyperparameters": hp, "baseModel": self.ref(),
                   "datasets": [{"datasetVersionId": "dv", "name": "chat", "key": key, "format": "chat", "container": "jsonl",
                                 "weight": 1, "rows": 400, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}],
                   "outputPrefix": f"jobs/bench_train_{tag}/", "requiredVramMb": 0}
        self.add(self.queue, "train", payload)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:  # training is under way once its first metric is out
            evs = [json.loads(f["data"]) for _i, f in self.r.xrange(self.stream)]
            if any(e.get("jobId") == payload["jobId"] and e["type"] == "metric" for e in evs):
                return payload["jobId"]
            bad = [e for e in evs if e.get("jobId") == payload["jobId"] and e.get("state") == "failed"]
            if bad:
                raise RuntimeError(bad[0]["message"])
            time.sleep(0.2)
        raise RuntimeError("the training job did not start")

    def training_still_running(self, job_id: str) -> bool:
        evs = [json.loads(f["data"]) for _i, f in self.r.xrange(self.stream)]
        return [e["state"] for e in evs if e.get("jobId") == job_id and e["type"] == "state"] == ["running"]

    def wait_cancelled(self, job_id: str) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            evs = [json.loads(f["data"]) for _i, f in self.r.xrange(self.stream)]
            if any(e.get("jobId") == job_id and e.get("state") == "cancelled" for e in evs):
                return
            time.sleep(0.2)
        raise RuntimeError("the training job was not cancelled")

    def stop(self) -> None:
        if self.agent is not None and self.agent.poll() is None:
            self.agent.terminate()
            try:
                self.agent.wait(60)
            except subprocess.TimeoutExpired:
                self.agent.kill()
        bull = contract.bull_prefix()
        keys = [*self.r.scan_iter(f"{bull}:{self.queue}:*"), *self.r.scan_iter(f"{bull}:{self.iqueue}:*"),
                *self.r.scan_iter(f"{self.prefix}:*"), self.stream]
        self.r.delete(*keys)


def best(rounds: list[dict]) -> dict:
    """The best round of a condition (the machine is shared: other load only ever makes a round slower)."""
    return min(rounds, key=lambda r: r["ttft_ms"] / r["tps"]) | {"rounds": len(rounds)}


def run_model(args, name: str, model_dir: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="whetstone-bench-inference-") as tmp:
        b = Bench(args, model_dir, name, Path(tmp))
        try:
            b.start()
            b.ask(PROMPTS[0])  # loads the model (not measured)
            rounds = []
            for _ in range(args.repeat):  # alternate: idle, then next to a fresh training job, then cancel it
                idle = b.measure()
                job = b.start_training()
                busy = b.measure()
                if not b.training_still_running(job):
                    raise RuntimeError("the training job ended before the measurement did; raise its maxSteps")
                b.r.set(contract.redis_key("cancel", prefix=b.prefix, jobId=job), "1")
                b.wait_cancelled(job)
                rounds.append({"idle": idle, "training": busy})
            return {cond: best([r[cond] for r in rounds]) for cond in ("idle", "training")}
        finally:
            b.stop()


def main() -> None:
    p = argparse.ArgumentParser(description="time to first token and tokens/s, idle and next to a training job")
    p.add_argument("--models", default="tiny,smollm2", help="comma list of: tiny, smollm2")
    p.add_argument("--requests", type=int, default=5, help="measured requests per condition and round (median)")
    p.add_argument("--repeat", type=int, default=3, help="rounds (idle, then training); the best round is reported")
    p.add_argument("--max-new", type=int, default=64)
    p.add_argument("--train-batch", type=int, default=8)
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
    args = p.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="whetstone-bench-tiny-") as tiny_dir:
        for name in args.models.split(","):
            if name == "tiny":
                from whetstone_runner.tiny_model import build

                model_dir, label = build(Path(tiny_dir) / "tiny"), "tiny-llama (0.2M)"
            elif name == "smollm2":
                from whetstone_runner import pretrained

                model_dir, label = Path(pretrained.convert()["path"]), "SmolLM2-135M-Instruct"
            else:
                raise SystemExit(f"unknown model {name!r}")
            results[label] = run_model(args, label, model_dir)
            print(f"{label}: {json.dumps(results[label])}", flush=True)

    print()
    print("| model | runner | TTFT ms (runner) | TTFT ms (client) | tokens/s | tokens | ratio tokens/s | ratio TTFT |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, res in results.items():
        idle = res["idle"]
        for cond, r in res.items():
            print(f"| {label} | {'idle' if cond == 'idle' else 'training a LoRA'} | {r['ttft_ms']:.1f} | "
                  f"{r['client_ttft_ms']:.1f} | {r['tps']:.1f} | {r['tokens']:.0f} | "
                  f"{r['tps'] / idle['tps']:.2f}× | {r['ttft_ms'] / idle['ttft_ms']:.2f}× |")


if __name__ == "__main__":
    main()
