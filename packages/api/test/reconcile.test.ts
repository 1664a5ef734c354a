import { randomBytes } from "node:crypto";
import { Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { TRAINING_QUEUE, trainingJobPayloadSchema } from "@whetstone/queue";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import type { ReconcileOptions } from "../src/reconcile/reconcile.types";
import { cleanRedis, connectRedis, createFixture } from "./runner-fixtures";

/** A job a runner can take: new training jobs are prioritized (fair order), so BullMQ lists them as "prioritized". */
const AVAILABLE = ["waiting", "prioritized"];

let db: TestDatabase;
let redis: Redis;
let prefix: string;
let queue: Queue;
const closers: Array<() => Promise<unknown>> = [];

/** A reconcile pass as apps/worker runs it. */
const reconciler = {
  runOnce: (opts: ReconcileOptions = { runnerOfflineAfterMs: 30_000 }) =>
    reconcileOnce({ prisma: db.prisma, trainingQueue: queue }, opts),
};

beforeAll(async () => {
  db = await createTestDatabase();
  redis = connectRedis();
});
afterAll(async () => {
  redis.disconnect();
  await db.drop();
});
beforeEach(async () => {
  prefix = `test-${randomBytes(6).toString("hex")}`;
  const connection = connectRedis();
  queue = new Queue(TRAINING_QUEUE, { connection, prefix });
  closers.push(async () => {
    await queue.close();
    connection.disconnect();
  });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await cleanRedis(redis, prefix);
  // The reconciler scans every job and runner: each test starts from an empty slate (a new queue prefix too).
  await db.prisma.fineTuneJob.deleteMany();
  await db.prisma.runner.deleteMany();
});

/** Plays a runner that takes the next BullMQ job and then dies: its lock is gone, the job stays `active`. */
async function takeAndDie(): Promise<string> {
  const connection = connectRedis();
  const worker = new Worker(TRAINING_QUEUE, null, { connection, prefix, autorun: false, lockDuration: 60_000 });
  const job = await worker.getNextJob("token-of-a-dead-runner");
  expect(job).toBeDefined();
  await worker.close(true);
  connection.disconnect();
  await redis.del(`${prefix}:${TRAINING_QUEUE}:${job!.id}:lock`); // the lock expired with its owner
  return job!.id!;
}

describe("reconciler", () => {
  it("enqueues a queued job whose enqueue was lost", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: null });
    const report = await reconciler.runOnce();
    expect(report.enqueued).toEqual([job.id]);

    expect(AVAILABLE).toContain(await queue.getJobState(job.id));
    const bull = await queue.getJob(job.id);
    expect(trainingJobPayloadSchema.parse(bull!.data)).toMatchObject({
      jobId: job.id,
      teamId: job.teamId,
      outputPrefix: `jobs/${job.id}/`,
    });
    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).enqueuedAt).not.toBeNull();

    // A second pass changes nothing.
    expect(await reconciler.runOnce()).toMatchObject({ enqueued: [], reEnqueued: [] });
    expect(await queue.getJobCounts("waiting", "prioritized")).toEqual({ waiting: 0, prioritized: 1 });
  });

  it("re-adds a queued job whose BullMQ job vanished (Redis flushed)", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: new Date() });
    expect(await queue.getJobState(job.id)).toBe("unknown");
    const report = await reconciler.runOnce();
    expect(report.reEnqueued).toEqual([job.id]);
    expect(AVAILABLE).toContain(await queue.getJobState(job.id));
  });

  it("re-queues a running job whose runner went silent, and makes its BullMQ job available again", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: null });
    await reconciler.runOnce();
    expect(await takeAndDie()).toBe(job.id);
    await db.prisma.fineTuneJob.update({ where: { id: job.id }, data: { state: "running", runnerName: "gpu-dead" } });
    const lastSeen = new Date(Date.now() - 45_000);
    await db.prisma.runner.create({
      data: { name: "gpu-dead", state: "busy", currentJobId: job.id, lastHeartbeatAt: lastSeen },
    });
    // A healthy runner and its job are left alone.
    const healthy = await createFixture(db.prisma, { state: "running", runnerName: "gpu-alive" });
    await db.prisma.runner.create({
      data: { name: "gpu-alive", state: "busy", currentJobId: healthy.job.id, lastHeartbeatAt: new Date() },
    });
    expect(await queue.getJobState(job.id)).toBe("active");

    const report = await reconciler.runOnce();
    expect(report).toMatchObject({ runnersOffline: ["gpu-dead"], requeued: [job.id] });

    expect(await db.prisma.runner.findUniqueOrThrow({ where: { name: "gpu-dead" } })).toMatchObject({
      state: "offline",
      currentJobId: null,
    });
    expect(await db.prisma.runner.findUniqueOrThrow({ where: { name: "gpu-alive" } })).toMatchObject({ state: "busy" });
    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ state: "queued", runnerName: null });
    expect(row.enqueuedAt).not.toBeNull();
    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: healthy.job.id } })).state).toBe("running");
    const note = await db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: job.id, kind: "state" } });
    expect(note.message).toBe(
      `queued: runner gpu-dead stopped sending heartbeats (last at ${lastSeen.toISOString()}); back to the queue`,
    );

    // Another runner can take it now.
    expect(AVAILABLE).toContain(await queue.getJobState(job.id));
    const connection = connectRedis();
    const worker = new Worker(TRAINING_QUEUE, null, { connection, prefix, autorun: false });
    const next = await worker.getNextJob("token-of-a-live-runner");
    expect(next?.id).toBe(job.id);
    await worker.close(true);
    connection.disconnect();
  });

  it("leaves a BullMQ job whose runner still holds the lock, and re-adds it once the lock is gone", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: null });
    await reconciler.runOnce();
    const connection = connectRedis();
    const worker = new Worker(TRAINING_QUEUE, null, { connection, prefix, autorun: false, lockDuration: 60_000 });
    await worker.getNextJob("token");
    closers.push(async () => {
      await worker.close(true);
      connection.disconnect();
    });
    // The database says queued (its `running` event not applied yet); BullMQ: active with a live lock.
    expect(await reconciler.runOnce()).toMatchObject({ reEnqueued: [] });
    expect(await queue.getJobState(job.id)).toBe("active");

    await redis.del(`${prefix}:${TRAINING_QUEUE}:${job.id}:lock`);
    expect(await reconciler.runOnce()).toMatchObject({ reEnqueued: [job.id] });
    expect(AVAILABLE).toContain(await queue.getJobState(job.id));
  });

  it("re-adds a queued job whose BullMQ job completed or failed, once the row has been still for the grace period", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: null });
    await reconciler.runOnce();
    const connection = connectRedis();
    const worker = new Worker(TRAINING_QUEUE, null, { connection, prefix, autorun: false });
    const taken = await worker.getNextJob("token");
    // e.g. BullMQ's stalled checker failed it ("job stalled more than allowable limit"); the database still says queued.
    await taken!.moveToFailed(new UnrecoverableError("job stalled more than allowable limit"), "token", false);
    await worker.close(true);
    connection.disconnect();
    expect(await queue.getJobState(job.id)).toBe("failed");

    // Within the grace period the runner's events may still be on their way: leave it.
    expect(await reconciler.runOnce()).toMatchObject({ reEnqueued: [] });
    expect(await queue.getJobState(job.id)).toBe("failed");

    const later = { now: () => new Date(Date.now() + 61_000) };
    expect(await reconciler.runOnce(later)).toMatchObject({ reEnqueued: [job.id] });
    expect(AVAILABLE).toContain(await queue.getJobState(job.id));
  });

  it("marks failed a queued job whose payload can never be built", async () => {
    const { job } = await createFixture(db.prisma, {
      state: "queued",
      enqueuedAt: null,
      hyperparameters: { epochs: 1 },
    });
    const notices: unknown[] = [];
    const report = await reconciler.runOnce({ notify: async (jobId, message) => void notices.push([jobId, message]) });
    expect(report.failed).toEqual([job.id]);
    expect(notices).toEqual([[job.id, { type: "state", state: "failed" }]]);
    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.state).toBe("failed");
    expect(row.error).toMatch(/payload does not match the queue contract/);
    expect(await queue.getJobState(job.id)).toBe("unknown");
  });
});
