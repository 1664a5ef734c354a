/**
 * Fail-over of a runner killed without warning (issue "Admin console"): the worker's events consumer and
 * reconciler in-process, two real Python runners as child processes, real PostgreSQL and Redis.
 *
 * Runner A takes the job and writes a checkpoint, then its whole process group gets SIGKILL. The reconciler
 * marks A offline (what the admin console's listRunners shows) and puts the job back to `queued`; runner B
 * takes it, resumes from A's checkpoint and finishes it. A killed runner's BullMQ lock lives until it expires
 * (BullMQ's 30 s lockDuration; the runner renews it every 15 s), and the job stays `running` until then: a held lock
 * means a live process (decision 0011).
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller, createContext, enqueueTrainingJob } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { loadEnv } from "../src/env";
import { createMemoryLogger } from "../src/logger";
import { startWorker, type RunningWorker } from "../src/worker";
import { cleanRedis, connectRedis, HYPERPARAMETERS, redisUrl, uniqueNames } from "./helpers";
import { buildTinyModel, requireRunnerVenv, startRunner, waitUntil, type RunnerProcess } from "./runner-processes";

// Six heartbeats (HEARTBEAT_SECONDS=1), the production ratio (5 s / 30 s): on a loaded 2-core machine a live
// runner's heartbeats were seen 2-3 s apart, so a shorter threshold could declare runner-a dead before the kill.
const RUNNER_OFFLINE_AFTER_MS = 6_000;
const RECONCILE_INTERVAL_MS = 500;

let db: TestDatabase;
let redis: Redis;
let dir: string;
let storageRoot: string;
let modelDir: string;
const names = uniqueNames();
const bullPrefix = `${names.prefix}:bull`;
const runners: RunnerProcess[] = [];
let worker: RunningWorker | null = null;
let queue: Queue | null = null;
let queueConnection: Redis | null = null;
const logger = createMemoryLogger();

beforeAll(async () => {
  requireRunnerVenv();
  db = await createTestDatabase();
  redis = connectRedis();
  dir = await mkdtemp(join(tmpdir(), "whetstone-failover-"));
  storageRoot = join(dir, "storage");
  modelDir = join(dir, "tiny-llama");
  await buildTinyModel(modelDir);
}, 120_000);

afterAll(async () => {
  for (const r of runners) r.killGroup();
  await waitUntil("every runner process to exit", () => runners.every((r) => r.gone()), 15_000).catch(() => undefined);
  await worker?.close();
  await queue?.close();
  queueConnection?.disconnect();
  if (redis) {
    await cleanRedis(redis, names.prefix);
    redis.disconnect();
  }
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

/** A support-ticket chat dataset the tiny model can learn, one conversation per line. */
function chatDataset(rows: number): string {
  const topics = { refund: "money back", shipping: "tracking number", account: "password" };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const [topic, words] = Object.entries(topics)[i % 3]!;
    lines.push(
      JSON.stringify({
        messages: [
          { role: "system", content: "You are a support agent." },
          { role: "user", content: `Ticket ${i}: a question about my ${words}, please help.` },
          { role: "assistant", content: `This is a ${topic} question. The ${topic} team will answer within one day.` },
        ],
      }),
    );
  }
  return lines.join("\n") + "\n";
}

async function seed() {
  const storage = new LocalStorage(storageRoot);
  const blobKey = "datasets/support/v1/data.jsonl";
  const rows = 96;
  const body = Buffer.from(chatDataset(rows));
  await storage.put(blobKey, Readable.from([body]));

  const admin = await db.prisma.user.create({ data: { email: "ops@example.com", name: "Ops", isAdmin: true } });
  const team = await db.prisma.team.create({
    data: { slug: "support", name: "Support", memberships: { create: { userId: admin.id, role: "owner" } } },
  });
  const baseModel = await db.prisma.baseModel.create({
    data: { name: "tiny-llama", source: "local", ref: modelDir, parameterCount: 100_000n, contextLength: 256 },
  });
  const dataset = await db.prisma.dataset.create({ data: { teamId: team.id, name: "support-tickets" } });
  const datasetVersion = await db.prisma.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      version: 1,
      blobKey,
      filename: "data.jsonl",
      container: "jsonl",
      format: "chat",
      rowCount: rows,
      bytes: BigInt(body.length),
      sha256: createHash("sha256").update(body).digest("hex"),
      profile: {},
      createdById: admin.id,
    },
  });
  const job = await db.prisma.fineTuneJob.create({
    data: {
      teamId: team.id,
      createdById: admin.id,
      name: "support-lora",
      baseModelId: baseModel.id,
      technique: "sft",
      method: "lora",
      // 200 steps (many epochs of 86 training rows), a checkpoint every 10: long enough to kill mid-way.
      hyperparameters: {
        ...HYPERPARAMETERS,
        epochs: 100,
        learningRate: 0.002,
        maxSeqLength: 64,
        evalEverySteps: 50,
        earlyStoppingPatience: 0,
        checkpointEverySteps: 10,
        logEverySteps: 1,
        maxSteps: 200,
      },
      validationSplit: 0.1,
      seed: 42,
      state: "queued",
      queuedAt: new Date(),
      datasets: { create: { datasetVersionId: datasetVersion.id, weight: 1 } },
    },
  });
  return { admin, team, job, storage };
}

function runnerEnv(name: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl(),
    STORAGE_URL: `file://${storageRoot}`,
    HEARTBEAT_SECONDS: "1",
    WHETSTONE_QUEUE: TRAINING_QUEUE,
    WHETSTONE_EVENTS_STREAM: names.stream,
    WHETSTONE_KEY_PREFIX: names.prefix,
    WHETSTONE_BULL_PREFIX: bullPrefix,
    RUNNER_WORKDIR: join(dir, `work-${name}`),
  };
}

describe("a runner killed without warning", () => {
  it("loses its job to the queue, shows offline in the admin console, and another runner finishes the job from its checkpoint", async () => {
    const { admin, job, storage } = await seed();

    const env = loadEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl(),
      STORAGE_URL: `file://${storageRoot}`,
      WORKER_NAME: "worker-failover",
      LOG_LEVEL: "info",
      EVENTS_BLOCK_MS: "200",
      HEARTBEAT_SECONDS: "1",
      RECONCILE_INTERVAL_MS: String(RECONCILE_INTERVAL_MS),
      RUNNER_OFFLINE_AFTER_MS: String(RUNNER_OFFLINE_AFTER_MS),
    });
    worker = startWorker(env, logger, {
      stream: names.stream,
      group: names.group,
      channel: names.channel,
      bullPrefix,
      keyPrefix: names.prefix,
    });
    queueConnection = connectRedis();
    queue = new Queue(TRAINING_QUEUE, { connection: queueConnection, prefix: bullPrefix });
    await enqueueTrainingJob({ prisma: db.prisma, trainingQueue: queue }, job.id);

    // What the admin console shows: the admin listRunners procedure, as an instance admin.
    const console_ = createCaller(
      createContext({
        deps: { prisma: db.prisma, redis, trainingQueue: queue, storage, config: { maxUploadBytes: 1 << 20 } },
        caller: { kind: "session", userId: admin.id, isAdmin: true },
        teamSlug: null,
      }),
    );
    const runnerRow = async (name: string) => (await console_.admin.listRunners()).find((r) => r.name === name);
    const jobRow = () => db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    const context = () =>
      [
        ...runners.map((r) => `--- runner ${r.name} output (tail) ---\n${r.output().slice(-4000)}`),
        `--- worker log (tail) ---\n${logger.records
          .slice(-30)
          .map((r) => JSON.stringify(r))
          .join("\n")}`,
      ].join("\n");

    // 1. Runner A takes the job and writes a checkpoint.
    const a = startRunner("runner-a", runnerEnv("runner-a"));
    runners.push(a);
    await waitUntil(
      "runner-a to run the job",
      async () => {
        const row = await jobRow();
        return row.state === "running" && row.runnerName === "runner-a";
      },
      60_000,
      context,
    );
    const checkpoint = await waitUntil(
      "runner-a to write a checkpoint",
      () => db.prisma.checkpoint.findFirst({ where: { jobId: job.id }, orderBy: { step: "desc" } }),
      60_000,
      context,
    );
    expect((await runnerRow("runner-a"))?.state).toBe("busy");

    // 2. Kill A's whole process group (agent, fork server, training child): no hand-back, no last heartbeat.
    a.killGroup();
    const killedAt = Date.now();
    await waitUntil("runner-a's processes to be gone", () => a.gone(), 10_000, context);
    expect((await jobRow()).state, "runner-a was killed before it finished").toBe("running");

    // 3. The console shows A offline within the threshold (plus a reconcile pass and a loaded machine's slack).
    const offline = await waitUntil(
      "the admin console to show runner-a offline",
      async () => {
        const r = await runnerRow("runner-a");
        return r?.state === "offline" ? r : null;
      },
      RUNNER_OFFLINE_AFTER_MS + 10_000,
      context,
    );
    const offlineAfterMs = Date.now() - killedAt;
    expect(offlineAfterMs).toBeLessThan(RUNNER_OFFLINE_AFTER_MS + 5_000);
    expect(offline.currentJob).toBeNull();
    expect(offline.heartbeatAgeSeconds).toBeGreaterThanOrEqual(RUNNER_OFFLINE_AFTER_MS / 1000);

    // ...and the job is back in the queue, with a JobEvent saying why — once A's BullMQ lock has expired (a lock
    // still held would mean a live process renews it: decision 0011). BullMQ's lockDuration is 30 s from A's last
    // renewal, which came at most 15 s before the kill.
    const requeued = await waitUntil(
      "the job to go back to queued",
      async () => {
        const row = await jobRow();
        return row.state === "queued" ? row : null;
      },
      45_000,
      context,
    );
    expect(Date.now() - killedAt).toBeGreaterThan(RUNNER_OFFLINE_AFTER_MS);
    expect(requeued).toMatchObject({ runnerName: null, lastRunnerName: "runner-a" });
    const requeueEvent = await db.prisma.jobEvent.findFirst({
      where: { jobId: job.id, kind: "state", message: { startsWith: "queued:" } },
    });
    expect(requeueEvent?.message).toMatch(
      /^queued: runner runner-a stopped sending heartbeats \(last at .+\); back to the queue$/,
    );
    expect(requeueEvent?.level).toBe("warning");

    // 4. Runner B takes the job once A's BullMQ lock has expired, resumes from A's checkpoint and finishes it.
    const b = startRunner("runner-b", runnerEnv("runner-b"));
    runners.push(b);
    const done = await waitUntil(
      "runner-b to finish the job",
      async () => {
        const row = await jobRow();
        if (row.state === "failed" || row.state === "cancelled") {
          throw new Error(`the job ended ${row.state}: ${row.error ?? ""}\n${context()}`);
        }
        return row.state === "succeeded" ? row : null;
      },
      75_000,
      context,
    );
    expect(done.runnerName).toBe("runner-b");
    expect(done.currentStep).toBe(200);

    const resumed = await db.prisma.jobEvent.findFirst({
      where: { jobId: job.id, kind: "log", message: { startsWith: "resuming from checkpoint step-" } },
    });
    expect(resumed, "runner-b logged that it resumed from a checkpoint").not.toBeNull();
    const resumedStep = Number(/step-(\d+)/.exec(resumed!.message)![1]);
    // The newest complete checkpoint of runner-a: at least the one seen before the kill (a later one may have been
    // written while its events were still in flight), never the end of the run.
    expect(resumedStep).toBeGreaterThanOrEqual(checkpoint.step);
    expect(resumedStep % 10).toBe(0);
    expect(resumedStep).toBeLessThan(200);
    expect((await stat(join(storageRoot, `jobs/${job.id}/checkpoints/step-${resumedStep}/_COMPLETE`))).isFile()).toBe(
      true,
    );

    const states = await db.prisma.jobEvent.findMany({
      where: { jobId: job.id, kind: "state" },
      orderBy: { createdAt: "asc" },
    });
    expect(states.map((s) => s.message.split(":")[0])).toEqual(["running", "queued", "running", "succeeded"]);
    expect(states[0]!.message).toContain("runner-a");
    expect(states[2]!.message).toContain("runner-b");

    // Its artifacts are recorded and in storage.
    const artifacts = await db.prisma.artifact.findMany({ where: { jobId: job.id } });
    expect(artifacts.map((x) => x.kind)).toEqual(expect.arrayContaining(["adapter", "tokenizer"]));
    for (const x of artifacts) {
      expect(x.key.startsWith(`jobs/${job.id}/artifacts/`)).toBe(true);
      expect((await stat(join(storageRoot, x.key))).size).toBe(Number(x.bytes));
    }
    expect(await db.prisma.baseModel.findUnique({ where: { sourceJobId: job.id } })).not.toBeNull();

    // The console: A stays offline, B is alive.
    expect((await runnerRow("runner-a"))?.state).toBe("offline");
    expect(["idle", "busy"]).toContain((await runnerRow("runner-b"))?.state);
  }, 240_000);
});
