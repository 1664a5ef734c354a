/**
 * The real stack for the chaos suite, every piece its own: a redis-server on a free port (so FLUSHALL and stopping it
 * touch nobody else's Redis), a fresh PostgreSQL database from the migrations, the worker as a child process (so it
 * can be SIGKILLed), Python runners as child processes in their own process groups, and the API in this process on
 * the request path's Redis settings, recording every call's outcome.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createCaller, createContext, REQUEST_REDIS_OPTIONS, restErrorFrom, type ApiDeps } from "@whetstone/api";
import { createPrismaClient, type PrismaClient } from "@whetstone/db";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { repoRoot, startRunner, type RunnerProcess } from "../../apps/worker/test/runner-processes";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 250 ms until truthy; past `timeoutMs` it fails naming what it waited for. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch((err: unknown) => {
      if (err instanceof GiveUp) throw err;
      return null; // e.g. a connection refused while a dependency is down: look again
    });
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

/** Thrown by a check to end its wait at once (a job that failed before its fault). */
export class GiveUp extends Error {}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of the suite's own: nothing on disk, so a restart comes back empty, as a lost Redis does. */
export class OwnRedis {
  private proc: ChildProcess | null = null;
  constructor(readonly port: number) {}
  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    this.proc = spawn(
      "redis-server",
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    const probe = new Redis({ port: this.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    await waitUntil("redis-server to answer", () => probe.connect().then(() => probe.ping()), 10_000);
    probe.disconnect();
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGKILL");
    });
  }
  async flushall(): Promise<void> {
    const c = new Redis({ port: this.port, maxRetriesPerRequest: 1 });
    await c.flushall();
    c.disconnect();
  }
}

/** The worker (`apps/worker/src/main.ts`) in a process group of its own, its log lines appended to `logFile`. */
export class WorkerProcess {
  private proc: ChildProcess | null = null;
  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
  ) {}
  start(): void {
    const log = createWriteStream(this.logFile, { flags: "a" });
    this.proc = spawn(join(repoRoot, "node_modules/.bin/tsx"), ["apps/worker/src/main.ts"], {
      cwd: repoRoot,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...this.env },
    });
    this.proc.stdout!.pipe(log);
    this.proc.stderr!.pipe(log);
  }
  /** SIGKILL to the whole group: no shutdown, nothing acknowledged that was not already. */
  async kill(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
    try {
      process.kill(-p.pid!, "SIGKILL");
    } catch {
      // gone already
    }
    await exited;
  }
}

export function startChaosRunner(name: string, redisUrl: string, storageRoot: string, workRoot: string): RunnerProcess {
  return startRunner(name, {
    REDIS_URL: redisUrl,
    STORAGE_URL: `file://${storageRoot}`,
    HEARTBEAT_SECONDS: "1",
    RUNNER_WORKDIR: join(workRoot, name),
    // Training only: the inference process would take the little CPU the machine has.
    RUNNER_KINDS: "train,evaluate",
  });
}

export interface CallRecord {
  what: string;
  ms: number;
  /** HTTP status the REST API would answer (200 for a success), or "hang" past 10 s. */
  status: number | "hang";
  message?: string;
}

/** The API in this process, as a signed-in admin of one team, on the request path's Redis connection. */
export class ApiClient {
  readonly calls: CallRecord[] = [];
  readonly deps: ApiDeps;
  readonly prisma: PrismaClient;
  private readonly redis: Redis;
  constructor(databaseUrl: string, redisUrl: string, storageRoot: string) {
    this.prisma = createPrismaClient(databaseUrl);
    this.redis = new Redis(redisUrl, { ...REQUEST_REDIS_OPTIONS });
    this.redis.on("error", () => undefined);
    const trainingQueue = new Queue(TRAINING_QUEUE, { connection: this.redis });
    trainingQueue.on("error", () => undefined);
    this.deps = {
      prisma: this.prisma,
      redis: this.redis,
      trainingQueue,
      storage: new LocalStorage(storageRoot),
      config: { maxUploadBytes: 10 << 20, webhookSecretKey: null },
    };
  }
  as(userId: string, teamSlug: string) {
    return createCaller(
      createContext({ deps: this.deps, caller: { kind: "session", userId, isAdmin: true }, teamSlug }),
    );
  }
  /** Runs one API call, recording how long it took and what a REST client would have been answered. */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<"hang">((resolve) => (timer = setTimeout(() => resolve("hang"), 10_000)));
    try {
      const value = await Promise.race([fn(), hang]);
      if (value === "hang") {
        this.calls.push({ what, ms: Date.now() - t0, status: "hang" });
        return undefined;
      }
      this.calls.push({ what, ms: Date.now() - t0, status: 200 });
      return value;
    } catch (err) {
      const res = restErrorFrom(err, () => undefined);
      const body = (await res.json()) as { error: { message: string } };
      this.calls.push({ what, ms: Date.now() - t0, status: res.status, message: body.error.message });
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
  async close(): Promise<void> {
    await this.deps.trainingQueue.close().catch(() => undefined);
    this.redis.disconnect();
    await this.prisma.$disconnect();
  }
}
