"""The standing peer comparison: LoRA training throughput (non-padding tokens per second) and memory of the runner next
to TRL's SFTTrainer and LLaMA-Factory, on the same chats, the same LoRA (r 16, alpha 32, no dropout, every linear
layer), batch, sequence length and steps, each run in a child process of its own. Ratios are against the runner with
gradient checkpointing off.

    gpu-runner/.venv/bin/python bench/peers.py                        # tiny model (hidden 64, 2 layers)
    gpu-runner/.venv/bin/python bench/peers.py --model-config 25m     # ~24.7M-parameter Llama, random weights
    gpu-runner/.venv/bin/python bench/peers.py --lf-python /tmp/peers-venv/bin/python   # with LLaMA-Factory

Runs:
- runner, checkpointing off / on: the runner's own path (jobs.run_job, payload gradientCheckpointing false / true; its
  other settings at their defaults — padding-free SFT batches, fp32 on CPU, bf16 on CUDA);
- TRL defaults: SFTTrainer + peft_config with SFTConfig's defaults, which turn gradient checkpointing and bf16 on;
- TRL, checkpointing and bf16 off: the same with gradient_checkpointing=False, bf16=False;
- LLaMA-Factory defaults (gradient checkpointing on, fp32 on CPU) and with disable_gradient_checkpointing.

Memory: on CUDA torch.cuda.max_memory_allocated(); on CPU the child's peak RSS less its RSS after the imports
(weights, optimizer state, activations and allocator slack; noisy at the tiny size).

Models are built from config with the bundled tokenizer (vocabulary 1,024); nothing is downloaded.

LLaMA-Factory is not a dependency of the runner and must not become one: its releases pin transformers ≤ 5.6, trl ≤ 0.24
and peft ≤ 0.18, and it imports torchaudio, which has no build for the runner's torch. It runs from a venv of its own
that sees the runner's packages through a .pth file, installed with --no-deps (the versions this was measured with):

    python3 -m venv /tmp/peers-venv
    gpu-runner/.venv/bin/python -c "import site; print(site.getsitepackages()[0])" \\
        > /tmp/peers-venv/lib/python3.11/site-packages/runner-venv.pth
    /tmp/peers-venv/bin/pip install --no-deps llamafactory==0.9.5 trl==0.24.0 omegaconf==2.4.0 \\
        antlr4-python3-runtime==4.9.3

This script then runs it with DISABLE_VERSION_CHECK=1 and a stub `torchaudio` module (audio inputs only; a text SFT
never calls it) on PYTHONPATH. Without --lf-python the LLaMA-Factory rows are skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PRESETS = {
    "tiny": {"hidden": 64, "layers": 2, "heads": 4, "kv_heads": 2, "intermediate": 128},
    # 8 × (q/k/v/o 0.79M + MLP 2.16M) + embeddings and head 2 × 1024 × 512 ≈ 24.7M parameters
    "25m": {"hidden": 512, "layers": 8, "heads": 8, "kv_heads": 4, "intermediate": 1408},
}
LORA = {"r": 16, "alpha": 32, "dropout": 0.0}
LR = 2e-3
TOPICS = {"refund": ["refund", "money back", "paid twice"], "shipping": ["parcel", "delivery", "courier"],
          "account": ["password", "sign in", "profile"]}


def rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        t = rng.choice(list(TOPICS))
        filler = [rng.choice(["please", "help", "today", "again", "order", "thanks"]) for _ in range(rng.randint(2, 40))]
        q = f"My question is about {rng.choice(TOPICS[t])}; " + " ".join(filler)
        out.append({"messages": [{"role": "user", "content": q},
                                 {"role": "assistant", "content": f"This is a {t} question. The {t} team will answer."}]})
    return out


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def memory(start_rss: float) -> float:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - start_rss


# --- one run per child process ------------------------------------------------------------------------------------

def run_runner(spec: dict, start_rss: float) -> dict:
    from whetstone_runner import contract
    from whetstone_runner.jobs import JobContext, run_job
    from whetstone_runner.schema import load_schema
    from whetstone_runner.storage import LocalStorage

    root, data = Path(spec["root"]), Path(spec["data"])
    key = "datasets/peers/chat.jsonl"
    (root / "storage" / key).parent.mkdir(parents=True, exist_ok=True)
    (root / "storage" / key).write_bytes(data.read_bytes())
    job = f"peers_{spec['name'].replace(' ', '_').replace(',', '')}"
    payload = load_schema(contract.job_kind("train")["schema"])["examples"][0]
    payload.update(jobId=job, teamId="bench", technique="sft", method="lora", outputPrefix=f"jobs/{job}/",
                   requiredVramMb=0)
    payload["hyperparameters"].update(
        epochs=100, learningRate=LR, batchSize=spec["batch_size"], gradientAccumulationSteps=1,
        maxSeqLength=spec["seq_len"], warmupRatio=0, weightDecay=0, loraR=LORA["r"], loraAlpha=LORA["alpha"],
        loraDropout=LORA["dropout"], validationSplit=0.05, testSplit=0, earlyStoppingPatience=0,
        evalEverySteps=10**6, checkpointEverySteps=10**6, logEverySteps=10, maxSteps=spec["steps"], seed=42,
        packing=True, mergeWeights=False, neftuneNoiseAlpha=None, gradientCheckpointing=spec["checkpointing"])
    payload["baseModel"] = {"id": "bm", "name": "peers", "source": "local", "ref": spec["model"], "revision": None,
                            "artifactKind": None, "parent": None}
    payload["datasets"] = [{"datasetVersionId": "dv", "name": "chat", "key": key, "format": "chat",
                            "container": "jsonl", "weight": 1, "rows": spec["rows"],
                            "sha256": hashlib.sha256(data.read_bytes()).hexdigest()}]
    events: list[dict] = []
    ctx = JobContext(runner="bench", attempt=1, emit=events.append, storage=LocalStorage(root / "storage"),
                     workdir=root / f"work-{job}")
    s = run_job(payload, ctx)["summary"]
    said = any("gradient checkpointing on" in e.get("message", "") for e in events)
    return {"tokens": s["tokens_seen"], "seconds": s["train_runtime_seconds"], "steps": s["steps"],
            "mem_mb": memory(start_rss), "final_loss": s.get("final_train_loss"), "checkpointing": said}


def run_trl(spec: dict, start_rss: float) -> dict:
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    tok = AutoTokenizer.from_pretrained(spec["model"])
    cuda = torch.cuda.is_available()
    data = [json.loads(line) for line in Path(spec["data"]).read_text().splitlines()]
    extra = {} if spec["defaults"] else {"gradient_checkpointing": False, "bf16": False}
    args = SFTConfig(output_dir=str(Path(spec["root"]) / f"trl-{spec['name']}"), per_device_train_batch_size=spec["batch_size"],
                     learning_rate=LR, max_steps=spec["steps"], max_length=spec["seq_len"], logging_steps=10,
                     save_strategy="no", report_to="none", disable_tqdm=True, use_cpu=not cuda, seed=42,
                     include_num_input_tokens_seen="non_padding", **extra)
    model = AutoModelForCausalLM.from_pretrained(spec["model"], dtype=torch.float32)
    trainer = SFTTrainer(model=model, args=args, train_dataset=Dataset.from_list(data), processing_class=tok,
                         peft_config=LoraConfig(r=LORA["r"], lora_alpha=LORA["alpha"], lora_dropout=LORA["dropout"],
                                                target_modules="all-linear", task_type="CAUSAL_LM"))
    t0 = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - t0
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return {"tokens": trainer.state.num_input_tokens_seen, "seconds": seconds, "steps": trainer.state.global_step,
            "mem_mb": memory(start_rss), "final_loss": losses[-1] if losses else None,
            "checkpointing": bool(args.gradient_checkpointing), "bf16": bool(args.bf16)}


def run_llamafactory(spec: dict, start_rss: float) -> dict:
    from llamafactory.train.tuner import run_exp

    root = Path(spec["root"])
    ddir = root / "lf-data"
    ddir.mkdir(exist_ok=True)
    (ddir / "chat.json").write_text(json.dumps([json.loads(x) for x in Path(spec["data"]).read_text().splitlines()]))
    (ddir / "dataset_info.json").write_text(json.dumps({"chat": {
        "file_name": "chat.json", "formatting": "sharegpt", "columns": {"messages": "messages"},
        "tags": {"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}}}))
    out = root / f"lf-{spec['name']}"
    t0 = time.perf_counter()
    run_exp({"model_name_or_path": spec["model"], "stage": "sft", "do_train": True, "finetuning_type": "lora",
             "lora_target": "all", "lora_rank": LORA["r"], "lora_alpha": LORA["alpha"], "lora_dropout": LORA["dropout"],
             "dataset": "chat", "dataset_dir": str(ddir), "template": "default", "cutoff_len": spec["seq_len"],
             "output_dir": str(out), "overwrite_output_dir": True, "per_device_train_batch_size": spec["batch_size"],
             "learning_rate": LR, "max_steps": spec["steps"], "logging_steps": 10, "save_strategy": "no",
             "report_to": "none", "include_num_input_tokens_seen": "non_padding", "seed": 42,
             "disable_gradient_checkpointing": not spec["defaults"], "preprocessing_num_workers": 1})
    wall = time.perf_counter() - t0
    result = json.loads((out / "train_results.json").read_text())
    state = json.loads((out / "trainer_state.json").read_text())
    losses = [h["loss"] for h in state["log_history"] if "loss" in h]
    return {"tokens": result.get("num_input_tokens_seen") or state.get("num_input_tokens_seen"),
            "seconds": result.get("train_runtime", wall), "steps": state["global_step"], "mem_mb": memory(start_rss),
            "final_loss": losses[-1] if losses else None, "checkpointing": spec["defaults"]}


def child(spec: dict) -> None:
    import peft  # noqa: F401 - the libraries' own memory is not the run's: imported before the baseline
    import transformers  # noqa: F401

    if spec["kind"] == "trl":
        import trl  # noqa: F401
    elif spec["kind"] == "llamafactory":
        import llamafactory.train.tuner  # noqa: F401
    else:
        import whetstone_runner.jobs  # noqa: F401
    start = rss_mb()
    fn = {"runner": run_runner, "trl": run_trl, "llamafactory": run_llamafactory}[spec["kind"]]
    print("RESULT " + json.dumps(fn(spec, start)), flush=True)


# --- the orchestration ----------------------------------------------------------------------------------------------

def spawn(python: str, spec: dict, env: dict) -> dict:
    t0 = time.perf_counter()
    p = subprocess.run([python, __file__, "--child", json.dumps(spec)], check=False, capture_output=True, text=True,
                       env=env, cwd=REPO)
    line = next((x for x in p.stdout.splitlines() if x.startswith("RESULT ")), None)
    if p.returncode != 0 or line is None:
        tail = [x for x in (p.stderr + p.stdout).splitlines() if "Error" in x or "error" in x]
        return {"error": (tail[-1] if tail else (p.stderr or p.stdout or "no output").strip().splitlines()[-1])[:300]}
    r = json.loads(line[len("RESULT "):])
    r["wall"] = time.perf_counter() - t0
    r["tps"] = r["tokens"] / r["seconds"] if r.get("tokens") and r.get("seconds") else float("nan")
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model-config", default="tiny", choices=sorted(PRESETS))
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seq-len", type=int, default=128)
    p.add_argument("--rows", type=int, default=400)
    p.add_argument("--lf-python", default=None, help="python of a venv with LLaMA-Factory (see the docstring)")
    p.add_argument("--only", default=None, help="run names to run, separated by ';' (default: all)")
    p.add_argument("--repeat", type=int, default=1, help="rounds over every run, alternating; the fastest is kept")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(json.loads(args.child))
        return

    import torch

    sys.path.insert(0, str(REPO / "gpu-runner"))
    from whetstone_runner.tiny_model import build

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONWARNINGS": "ignore",
           "PYTHONPATH": str(REPO / "gpu-runner")}
    runner_py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        size = PRESETS[args.model_config]
        model_dir = build(root / "model", **size)
        n_params = sum(v.numel() for v in __import__("safetensors.torch", fromlist=["load_file"])
                       .load_file(str(model_dir / "model.safetensors")).values())
        data = root / "data.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows(args.rows)))
        common = {"model": str(model_dir), "data": str(data), "root": str(root), "rows": args.rows,
                  "steps": args.steps, "batch_size": args.batch_size, "seq_len": args.seq_len}
        runs = [
            ("runner, checkpointing off", runner_py, {"kind": "runner", "checkpointing": False}, env),
            ("runner, checkpointing on", runner_py, {"kind": "runner", "checkpointing": True}, env),
            ("TRL defaults", runner_py, {"kind": "trl", "defaults": True}, env),
            ("TRL, checkpointing+bf16 off", runner_py, {"kind": "trl", "defaults": False}, env),
        ]
        if args.lf_python:
            stubs = root / "stubs" / "torchaudio"
            stubs.mkdir(parents=True)
            (stubs / "__init__.py").write_text('"""Stub: imported by LLaMA-Factory for audio inputs only."""\n')
            lf_env = {**env, "DISABLE_VERSION_CHECK": "1", "PYTHONPATH": f"{stubs.parent}:{REPO / 'gpu-runner'}"}
            runs += [("LLaMA-Factory defaults", args.lf_python, {"kind": "llamafactory", "defaults": True}, lf_env),
                     ("LLaMA-Factory, checkpointing off", args.lf_python, {"kind": "llamafactory", "defaults": False},
                      lf_env)]
        only = set(args.only.split(";")) if args.only else None
        results: dict[str, dict] = {}
        # alternating rounds, the fastest of each kept: the machine may be shared
        for _round in range(args.repeat):
            for name, py, spec, e in runs:
                if only and name not in only:
                    continue
                r = spawn(py, {**common, **spec, "name": name}, e)
                print(f"  {name}: {json.dumps(r)}", flush=True)
                if name not in results or "error" in results[name] or r.get("tps", 0) > results[name].get("tps", 0):
                    results[name] = r

    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else f"CPU ({os.cpu_count()} cores)"
    print(f"\nmodel {args.model_config}: {n_params / 1e6:.2f}M parameters, LoRA r {LORA['r']} on every linear layer, "
          f"{args.steps} steps, batch {args.batch_size}, seq ≤ {args.seq_len}, device {device}, "
          f"load average {os.getloadavg()[0]:.1f}")
    base = results.get("runner, checkpointing off", {}).get("tps")
    mem_label = "peak MiB" if torch.cuda.is_available() else "RSS +MiB"
    print(f"{'run':<34}{'train s':>9}{'tokens':>9}{'tokens/s':>10}{'vs runner':>11}{mem_label:>10}{'loss':>8}")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:<34}  failed: {r['error']}")
            continue
        ratio = f"{r['tps'] / base:.2f}x" if base else "—"
        loss = f"{r['final_loss']:.3f}" if r.get("final_loss") is not None else "—"
        print(f"{name:<34}{r['seconds']:>9.2f}{r['tokens']:>9.0f}{r['tps']:>10.1f}{ratio:>11}{r['mem_mb']:>10.0f}{loss:>8}")


if __name__ == "__main__":
    main()
