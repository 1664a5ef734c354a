/**
 * One round of active learning end to end (decision 0008), wired as in production: the worker's events consumer and
 * reconciler in-process, a real Python runner on the tiny model, real PostgreSQL, Redis and a local blob storage.
 * pool → `score` job (the runner picks the batch) → labels over the API → retrain (a training job on the labels)
 * → the held-out evaluation → the curve has its first point.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller, createContext, ingestDataset, type ApiDeps } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { loadEnv } from "../src/env";
import { createMemoryLogger } from "../src/logger";
import { startWorker, type RunningWorker } from "../src/worker";
import { cleanRedis, connectRedis, HYPERPARAMETERS, redisUrl, uniqueNames } from "./helpers";
import { buildTinyModel, requireRunnerVenv, startRunner, waitUntil, type RunnerProcess } from "./runner-processes";

let db: TestDatabase;
let redis: Redis;
let dir: string;
let storageRoot: string;
let modelDir: string;
const names = uniqueNames();
const bullPrefix = `${names.prefix}:bull`;
let runner: RunnerProcess | null = null;
let worker: RunningWorker | null = null;
let queue: Queue | null = null;
let queueConnection: Redis | null = null;
const logger = createMemoryLogger();

beforeAll(async () => {
  requireRunnerVenv();
  db = await createTestDatabase();
  redis = connectRedis();
  dir = await mkdtemp(join(tmpdir(), "whetstone-al-"));
  storageRoot = join(dir, "storage");
  modelDir = join(dir, "tiny-llama");
  await buildTinyModel(modelDir);
}, 120_000);

afterAll(async () => {
  runner?.killGroup();
  if (runner) await waitUntil("the runner to exit", () => runner!.gone(), 15_000).catch(() => undefined);
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

const TOPICS = {
  billing: ["charged twice", "refund my card", "invoice is wrong"],
  shipping: ["parcel is late", "tracking number", "courier lost it"],
};
const labelOf = (text: string) => (/charged|refund|invoice/.test(text) ? "billing" : "shipping");

function rows(n: number, offset: number) {
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2 ? "billing" : "shipping";
    const phrase = TOPICS[label][(i + offset) % 3]!;
    return { text: `Ticket ${i + offset}: my ${phrase}, please help.`, label };
  });
}

describe("an active-learning round on the tiny model", () => {
  it("scores the pool, takes labels over the API, retrains and puts the first point on the curve", async () => {
    const storage = new LocalStorage(storageRoot);
    const admin = await db.prisma.user.create({ data: { email: "lead@example.com", name: "Lead" } });
    const team = await db.prisma.team.create({
      data: { slug: "support", name: "Support", memberships: { create: { userId: admin.id, role: "owner" } } },
    });
    const base = await db.prisma.baseModel.create({
      data: { name: "tiny-llama", source: "local", ref: modelDir, parameterCount: 100_000n, contextLength: 256 },
    });
    queueConnection = connectRedis();
    queue = new Queue(TRAINING_QUEUE, { connection: queueConnection, prefix: bullPrefix });
    const deps: ApiDeps = {
      prisma: db.prisma,
      redis,
      trainingQueue: queue,
      storage,
      config: { maxUploadBytes: 1 << 22 },
    };
    const upload = async (name: string, lines: object[]) =>
      (
        await ingestDataset(deps, {
          teamId: team.id,
          userId: admin.id,
          datasetName: name,
          filename: `${name}.jsonl`,
          body: Readable.from(lines.map((l) => JSON.stringify(l) + "\n")),
        })
      ).id;
    const poolId = await upload(
      "tickets-pool",
      rows(30, 0).map((r) => ({ text: r.text })),
    );
    const heldOutId = await upload("tickets-held-out", rows(10, 100));

    const env = loadEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl(),
      STORAGE_URL: `file://${storageRoot}`,
      WORKER_NAME: "worker-al",
      LOG_LEVEL: "info",
      EVENTS_BLOCK_MS: "200",
      HEARTBEAT_SECONDS: "1",
      RECONCILE_INTERVAL_MS: "1000",
    });
    worker = startWorker(env, logger, { stream: names.stream, group: names.group, channel: names.channel, bullPrefix });
    runner = startRunner("runner-al", {
      REDIS_URL: redisUrl(),
      STORAGE_URL: `file://${storageRoot}`,
      HEARTBEAT_SECONDS: "1",
      WHETSTONE_QUEUE: TRAINING_QUEUE,
      WHETSTONE_EVENTS_STREAM: names.stream,
      WHETSTONE_KEY_PREFIX: names.prefix,
      WHETSTONE_BULL_PREFIX: bullPrefix,
      RUNNER_WORKDIR: join(dir, "work"),
    });
    const context = () =>
      [
        `--- runner output (tail) ---\n${runner!.output().slice(-4000)}`,
        `--- worker log (tail) ---\n${logger.records
          .slice(-20)
          .map((r) => JSON.stringify(r))
          .join("\n")}`,
      ].join("\n");
    const api = createCaller(
      createContext({ deps, caller: { kind: "session", userId: admin.id, isAdmin: false }, teamSlug: "support" }),
    );

    const project = await api.activeLearning.createProject({
      name: "tickets",
      task: "classification",
      labels: [{ name: "billing" }, { name: "shipping" }],
      baseModelId: base.id,
      poolVersionId: poolId,
      heldOutVersionId: heldOutId,
      batchSize: 6,
      hyperparameters: { ...HYPERPARAMETERS, maxSeqLength: 64, maxSteps: 8, evalEverySteps: 4, learningRate: 0.002 },
    });
    const projectId = project.id;

    // 1. Score: the runner picks 6 rows of the pool (k-centre: nothing is labelled yet).
    await api.activeLearning.startRound({ projectId });
    const scored = await waitUntil(
      "the round's score job to succeed",
      async () => {
        const p = await api.activeLearning.getProject({ projectId });
        if (p.rounds[0]?.state === "failed") throw new Error(`scoring failed: ${p.rounds[0].error}\n${context()}`);
        return p.rounds[0]?.state === "succeeded" ? p : null;
      },
      180_000,
      context,
    );
    expect(scored.rounds[0]).toMatchObject({ strategy: "kcenter", picked: 6, progressTotal: 30 });

    // 2. Label over the API, as an oracle would.
    const { items } = await api.activeLearning.nextItems({ projectId, count: 10 });
    expect(items).toHaveLength(6);
    expect(new Set(items.map((i) => i.poolRow)).size).toBe(6);
    for (const item of items) {
      expect(item.text).toBe(`Ticket ${item.poolRow}: ${item.text.split(": ")[1]}`);
      expect(item.reason.length).toBeGreaterThan(0);
      await api.activeLearning.label({ projectId, itemId: item.id, value: labelOf(item.text) });
    }

    // 3. Retrain on the 6 labels; the worker evaluates the model on the held-out set when training succeeds.
    const retrained = await api.activeLearning.retrain({ projectId });
    expect(retrained.labelCount).toBe(6);
    const done = await waitUntil(
      "the round's training and held-out evaluation to finish",
      async () => {
        const p = await api.activeLearning.getProject({ projectId });
        const r = p.rounds[0]!;
        if (r.trainJob?.state === "failed") throw new Error(`training failed: ${r.trainJob.error}\n${context()}`);
        if (r.evaluation?.state === "failed") throw new Error(`evaluation failed: ${r.evaluation.error}\n${context()}`);
        return r.evaluation?.state === "succeeded" ? p : null;
      },
      300_000,
      context,
    );

    // 4. The curve has its first point: the held-out macro-F1 (the primary metric) after 6 labels, and the base's.
    expect(done.curve.metric).toBe("macro_f1");
    expect(done.curve.points).toHaveLength(1);
    expect(done.curve.points[0]).toMatchObject({ round: 1, labels: 6 });
    expect(done.curve.points[0]!.value).toBeGreaterThanOrEqual(0);
    expect(done.curve.points[0]!.value).toBeLessThanOrEqual(1);
    expect(done.curve.base).not.toBeNull();
    expect(done.next).toBe("start_round");

    // 5. The next round scores with round 1's model and leaves the labelled rows out.
    await api.activeLearning.startRound({ projectId });
    const second = await waitUntil(
      "round 2's score job to succeed",
      async () => {
        const p = await api.activeLearning.getProject({ projectId });
        if (p.rounds[1]?.state === "failed") throw new Error(`scoring failed: ${p.rounds[1].error}\n${context()}`);
        return p.rounds[1]?.state === "succeeded" ? p : null;
      },
      180_000,
      context,
    );
    expect(second.rounds[1]).toMatchObject({ strategy: "margin", picked: 6 });
    expect(second.rounds[1]!.scoringModel.id).toBe(done.rounds[0]!.model!.id);
    const again = await api.activeLearning.nextItems({ projectId, count: 10 });
    const firstRows = new Set(items.map((i) => i.poolRow));
    expect(again.items.filter((i) => firstRows.has(i.poolRow))).toEqual([]);
    expect(again.items[0]!.prediction).toMatchObject({ label: expect.stringMatching(/billing|shipping/) });
  }, 600_000);
});
