"""One job over several processes (docs/decisions/0014-multi-gpu-jobs.md).

A payload with `distributed.processes` N > 1 runs as N worker processes started by PyTorch's launcher
(`python -m torch.distributed.run`, what `accelerate launch` and `torchrun` start), one per GPU — or N CPU processes
over gloo on a runner without GPUs (CI). transformers' Trainer sees the launcher's environment (RANK, WORLD_SIZE…) and
trains with DDP, or FSDP when the payload says so; nothing here distributes anything by hand.

What this module adds around the launcher:
- every rank runs the same job; only the main process (rank 0) reports events, uploads checkpoints and saves the
  artifacts. It writes its events as JSON lines to a file the agent reads (`ChannelReader`), in place of the single
  process's pipe;
- the agent asks the ranks to hand the job back by creating a file (`handback_file`) rather than by a signal, and the
  ranks agree on the step to stop at (`agree`); a SIGTERM from the launcher (a sibling died) ends a rank at once;
- `hyperparameters.batchSize` stays the job's global batch: each process takes batchSize / N, so the optimizer steps,
  the loss trajectory and the checkpoints' step numbers are those of one process, and a checkpoint resumes on any N.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from .config import JobError


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def is_main() -> bool:
    return rank() == 0


def processes_of(payload: dict) -> int:
    return int((payload.get("distributed") or {}).get("processes", 1))


def per_process_batch(batch_size: int, processes: int) -> int:
    """The batch each process takes so that the global batch stays `batch_size`."""
    if batch_size % processes:
        raise JobError(f"hyperparameters.batchSize {batch_size} does not split over {processes} processes "
                       f"(distributed.processes); use a multiple of {processes}")
    return batch_size // processes


def strategy_args(strategy: str, processes: int, cuda: bool) -> dict:
    """TrainingArguments for the strategy. FSDP keeps full (unsharded) state dicts in checkpoints, written by rank 0,
    so that a checkpoint resumes on another number of processes (or on one)."""
    if processes <= 1:
        return {}
    args: dict = {"ddp_backend": "nccl" if cuda else "gloo"}
    if strategy == "fsdp":
        args.update(fsdp="full_shard auto_wrap", fsdp_config={"version": 2, "state_dict_type": "FULL_STATE_DICT"})
    return args


def agree(flag: bool) -> bool:
    """True on every rank when any rank's flag is true (an all-reduce, MAX); the flag itself with one process."""
    import torch
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return flag
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")
    t = torch.tensor([1 if flag else 0], device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


# ---- the launch, seen from the agent ---------------------------------------------------------------------------------


def launch_command(spec_path: Path, processes: int) -> list[str]:
    """PyTorch's launcher on this host: a local rendezvous on a free port, no restarts (a failure is the agent's to
    retry, from the last checkpoint), one worker per process running `whetstone_runner.child <spec>`."""
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}",
            "--max-restarts=0", "-m", "whetstone_runner.child", str(spec_path)]


class LaunchedJob:
    """The launcher as the agent's supervisor sees a child process (is_alive / terminate / kill / join / exitcode).

    terminate() asks for a hand-back through the spec's file; kill() ends the launcher and every worker (the launcher
    starts each worker in a session of its own, so a process group signal would miss them)."""

    def __init__(self, spec: dict, workdir: Path, processes: int):
        workdir.mkdir(parents=True, exist_ok=True)
        self.spec_path = workdir / "launch.json"
        self.spec_path.write_text(json.dumps(spec))
        self.handback_file = Path(spec["handback_file"])
        self.log_path = workdir / "launcher.log"
        env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        with open(self.log_path, "w") as log:
            self.popen = subprocess.Popen(launch_command(self.spec_path, processes), stdout=log,
                                          stderr=subprocess.STDOUT, env=env, cwd=str(Path(__file__).resolve().parents[1]))

    @property
    def exitcode(self) -> int | None:
        return self.popen.poll()

    def is_alive(self) -> bool:
        return self.popen.poll() is None

    def terminate(self) -> None:
        self.handback_file.touch()

    def kill(self) -> None:
        import psutil

        try:
            procs = psutil.Process(self.popen.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            procs = []
        for p in [*procs]:
            try:
                p.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                pass
        if self.popen.poll() is None:
            self.popen.kill()

    def join(self, timeout: float | None = None) -> None:
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def failure(self) -> str:
        """The launcher's account of a failed worker (rank and exit code), if its log has one."""
        try:
            text = self.log_path.read_text(errors="replace")[-20_000:]
        except OSError:
            return ""
        text = text[text.rfind("Root Cause"):] if "Root Cause" in text else text
        ranks = re.findall(r"rank\s*:\s*(\d+)", text)
        codes = re.findall(r"exitcode\s*:\s*(-?\d+)", text)
        if not ranks or not codes:
            return ""
        code = int(codes[0])
        how = f"killed by {signal.Signals(-code).name}" if code < 0 and -code in signal.valid_signals() else f"exit code {code}"
        return f"process rank {ranks[0]} of the job died ({how})"


class ChannelWriter:
    """The main process's last words and events to the agent, one JSON line each: [kind, body]."""

    def __init__(self, path: str | Path):
        self._f = open(path, "a", encoding="utf-8")

    def send(self, item: tuple[str, dict]) -> None:
        self._f.write(json.dumps(list(item), separators=(",", ":")) + "\n")
        self._f.flush()

    def close(self) -> None:
        self._f.close()


class ChannelReader:
    """The agent's end: poll() / recv() like a pipe's receiving Connection, over the lines written so far."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.touch()
        self._f = open(self.path, encoding="utf-8")
        self._partial = ""
        self._ready: list[tuple[str, dict]] = []

    def _read(self) -> None:
        chunk = self._f.read()
        if not chunk:
            return
        lines = (self._partial + chunk).split("\n")
        self._partial = lines.pop()  # an unfinished line waits for the rest
        self._ready.extend(tuple(json.loads(line)) for line in lines if line)

    def poll(self) -> bool:
        self._read()
        return bool(self._ready)

    def recv(self) -> tuple[str, dict]:
        if not self.poll():
            raise EOFError
        return self._ready.pop(0)

    def close(self) -> None:
        self._f.close()
