/**
 * The Next.js production server of apps/web, as users reach it, for the benchmarks.
 *
 * `buildWeb(ref)` builds apps/web as of a git commit in .data/bench-web/<commit> (once per commit); `startWeb(app)`
 * runs `next start` from such a build on a free port of 127.0.0.1 and waits until /api/v1/health answers. Two
 * commits can be built and served side by side, so a change is measured against its parent in one run.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..");

/**
 * Builds apps/web as of git commit `ref` into .data/bench-web/<commit> (unless built already) and returns the app's
 * folder. The snapshot holds apps/web, packages/ and prisma/ from `git archive` (so uncommitted edits of other people
 * in the working tree are not measured, and cannot break the build), the Prisma client generated from that schema,
 * and a node_modules of links to the repository's, except @whetstone/*, which link to the snapshot's own packages.
 */
export function buildWeb(ref = "HEAD", log = console.log): string {
  const sha = execFileSync("git", ["rev-parse", "--short=12", `${ref}^{commit}`], { cwd: repoRoot })
    .toString()
    .trim();
  const root = join(repoRoot, ".data/bench-web", sha);
  const app = join(root, "apps/web");
  if (existsSync(join(app, ".next", "BUILD_ID"))) {
    log(`web build of ${ref} (${sha}) is in ${relative(repoRoot, root)}`);
    return app;
  }
  log(`building apps/web of ${ref} (${sha}) in ${relative(repoRoot, root)} (next build; minutes on a busy machine)…`);
  const t0 = Date.now();
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  execFileSync("bash", ["-c", `git archive ${sha} apps/web packages prisma tsconfig.base.json | tar -x -C "${root}"`], {
    cwd: repoRoot,
  });
  // apps/web/test is no part of the build, and some of it imports ../../worker, which the snapshot lacks
  rmSync(join(app, "test"), { recursive: true, force: true });
  // node_modules: links to the repository's, except @whetstone/*, which link to the snapshot's own packages
  mkdirSync(join(root, "node_modules/@whetstone"), { recursive: true });
  for (const name of readdirSync(join(repoRoot, "node_modules"))) {
    if (name !== "@whetstone") symlinkSync(join(repoRoot, "node_modules", name), join(root, "node_modules", name));
  }
  for (const name of readdirSync(join(root, "packages"))) {
    symlinkSync(`../../packages/${name}`, join(root, "node_modules/@whetstone", name));
  }
  execFileSync("npx", ["prisma", "generate", "--schema", join(root, "prisma/schema.prisma")], {
    cwd: repoRoot,
    stdio: "pipe",
  });
  execFileSync("npx", ["next", "build"], {
    cwd: app,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
    maxBuffer: 64 << 20,
  });
  log(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return app;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

export interface WebServer {
  base: string;
  proc: ChildProcess;
  /** Stops the server with SIGINT (so a --cpu-prof profile is written) and waits for it. */
  stop(): Promise<void>;
}

/**
 * `next start` from a built folder with this environment (DATABASE_URL, REDIS_URL, STORAGE_URL…); `nodeArgs` e.g.
 * `--cpu-prof --cpu-prof-dir=…` to profile the server (node refuses --cpu-prof in NODE_OPTIONS).
 */
export async function startWeb(dir: string, env: Record<string, string>, nodeArgs: string[] = []): Promise<WebServer> {
  if (!existsSync(join(dir, ".next", "BUILD_ID"))) throw new Error(`${dir} has no next build`);
  const port = await freePort();
  const next = join(repoRoot, "node_modules/next/dist/bin/next");
  const proc = spawn(process.execPath, [...nodeArgs, next, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      AUTH_SECRET: "bench-secret-that-is-long-enough-for-authjs",
      AUTH_TRUST_HOST: "true",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  proc.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  proc.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const base = `http://127.0.0.1:${port}/api/v1`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`next start exited ${proc.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer within 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    base,
    proc,
    stop: () =>
      new Promise<void>((ok) => {
        if (proc.exitCode !== null) return ok();
        proc.once("exit", () => ok());
        proc.kill("SIGINT");
        setTimeout(() => proc.kill("SIGKILL"), 15_000).unref();
      }),
  };
}
