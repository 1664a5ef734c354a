/**
 * Real Python GPU runners (gpu-runner/) as child processes, for the worker's end-to-end tests: the tiny model,
 * a runner started in its own process group (so a SIGKILL of the group takes its training child with it), and
 * a bounded wait with a message that says what it was waiting for.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const runnerPython = fileURLToPath(new URL("../../../gpu-runner/.venv/bin/python", import.meta.url));

/** The venv is built by CI before the tests; locally it may be missing: fail, saying how to build it. */
export function requireRunnerVenv(): void {
  if (!existsSync(runnerPython)) {
    throw new Error(
      `the GPU runner's virtual environment is missing (${runnerPython}); build it with gpu-runner/scripts/setup-venv.sh`,
    );
  }
}

/** Builds the deterministic tiny Llama (hidden 64, 2 layers) into `dir`. */
export async function buildTinyModel(dir: string): Promise<void> {
  await promisify(execFile)(runnerPython, ["-m", "whetstone_runner.tiny_model", "--out", dir], {
    cwd: repoRoot,
    env: { ...process.env, OMP_NUM_THREADS: "1" },
    timeout: 120_000,
  });
}

export interface RunnerProcess {
  name: string;
  child: ChildProcess;
  /** stdout and stderr together, for failure messages. */
  output(): string;
  /** True once the process and everything in its process group are gone. */
  gone(): boolean;
  /** SIGKILL to the whole process group (agent, fork server, training child): no warning, no hand-back. */
  killGroup(): void;
}

export function startRunner(name: string, env: Record<string, string>): RunnerProcess {
  const child = spawn(runnerPython, ["-m", "whetstone_runner"], {
    cwd: repoRoot,
    // Its own process group: the group id is the child's pid.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      RUNNER_NAME: name,
      LOG_LEVEL: "INFO",
      PYTHONUNBUFFERED: "1",
      HF_HUB_OFFLINE: "1",
      // Two cores shared with the test and everyone else: one torch thread per runner.
      OMP_NUM_THREADS: "1",
      ...env,
    },
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-20_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const pgid = child.pid!;
  const groupAlive = () => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    name,
    child,
    output: () => out,
    gone: () => (child.exitCode !== null || child.signalCode !== null ? !groupAlive() : false),
    killGroup: () => {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
}

/** Polls `check` every 200 ms until it returns a truthy value; past `timeoutMs`, fails saying what it awaited. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs: number,
  context: () => string = () => "",
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) {
      const extra = context();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra ? `\n${extra}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
