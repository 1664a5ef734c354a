/**
 * The liveness rule (docs/decisions/0011-liveness-and-final-events.md): a runner is judged from its own signals — its
 * alive key in Redis, its BullMQ lock — never from a gap in the worker's attention. What broke before: a worker down
 * for 30 s or more came back, saw every runner's last persisted heartbeat as old, re-queued work still training, and
 * then discarded that work's `succeeded`.
 */
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { runnerAliveKey, TRAINING_QUEUE } from "@whetstone/queue";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import type { ReconcileOptions } from "../src/reconcile/reconcile.types";
import { cleanRedis, connectRedis, createFixture } from "./runner-fixtures";

let db: TestDatabase;
let redis: Redis;
let prefix: string;
let queue: Queue;
const closers: Array<() => Promise<unknown>> = [];

const pass = (opts: ReconcileOptions = {}) =>
  reconcileOnce(
    { prisma: db.prisma, trainingQueue: queue },
    { runnerOfflineAfterMs: 30_000, keyPrefix: prefix, ...opts },
  );

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
  await db.prisma.evaluation.deleteMany();
  await db.prisma.fineTuneJob.deleteMany();
  await db.prisma.runner.deleteMany();
});

/** A runner that took the job's BullMQ job and holds its lock (it renews it while it trains). */
async function takeAndHold(): Promise<string> {
  const connection = connectRedis();
  const worker = new Worker(TRAINING_QUEUE, null, { connection, prefix, autorun: false, lockDuration: 60_000 });
  const job = await worker.getNextJob(`token-${randomBytes(4).toString("hex")}`);
  closers.push(async () => {
    await worker.close(true);
    connection.disconnect();
  });
  return job!.id!;
}

/** A job `running` on `runner`, whose last heartbeat the database has is 45 s old (the worker was away). */
async function runningJobOfAStaleRunner(runner: string) {
  const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: null });
  // Its BullMQ job, as enqueueTrainingJob adds it (the payload's content plays no part here).
  await queue.add("training.run", { kind: "train" }, { jobId: job.id });
  await db.prisma.fineTuneJob.update({ where: { id: job.id }, data: { enqueuedAt: new Date() } });
  await db.prisma.fineTuneJob.update({ where: { id: job.id }, data: { state: "running", runnerName: runner } });
  await db.prisma.runner.create({
    data: { name: runner, state: "busy", currentJobId: job.id, lastHeartbeatAt: new Date(Date.now() - 45_000) },
  });
  return job;
}

const jobRow = (id: string) => db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id } });
const runnerRow = (name: string) => db.prisma.runner.findUniqueOrThrow({ where: { name } });

describe("liveness: a gap in the worker's attention is not the runner's silence", () => {
  it("keeps online a runner whose heartbeats the worker has not read yet but whose alive key Redis holds", async () => {
    const job = await runningJobOfAStaleRunner("gpu-1");
    await redis.set(runnerAliveKey("gpu-1", prefix), new Date().toISOString(), "PX", 30_000);

    const report = await pass();
    expect(report).toMatchObject({ runnersOffline: [], requeued: [] });
    expect((await runnerRow("gpu-1")).state).toBe("busy");
    expect(await jobRow(job.id)).toMatchObject({ state: "running", runnerName: "gpu-1" });

    // Once the key has expired too, the runner is silent by every measure: offline, its job handed back.
    await redis.del(runnerAliveKey("gpu-1", prefix));
    expect(await pass()).toMatchObject({ runnersOffline: ["gpu-1"], requeued: [job.id] });
  });

  it("judges nobody before the worker has watched for the offline threshold since it (re)started", async () => {
    const job = await runningJobOfAStaleRunner("gpu-1"); // an older runner: no alive key at all
    const startedNow = await pass({ observingSince: new Date() });
    expect(startedNow).toMatchObject({ runnersOffline: [], requeued: [] });
    expect((await jobRow(job.id)).state).toBe("running");

    const watchedLongEnough = await pass({ observingSince: new Date(Date.now() - 31_000) });
    expect(watchedLongEnough).toMatchObject({ runnersOffline: ["gpu-1"], requeued: [job.id] });
  });

  it("leaves running a job whose BullMQ lock a runner holds, even when its runner counts as offline", async () => {
    const job = await runningJobOfAStaleRunner("gpu-1");
    expect(await takeAndHold()).toBe(job.id);

    const report = await pass();
    expect(report.runnersOffline).toEqual(["gpu-1"]); // no alive key, heartbeats old: the console says offline
    expect(report.requeued).toEqual([]); // ...but the lock is renewed by a live process: the job stays with it
    expect(await jobRow(job.id)).toMatchObject({ state: "running", runnerName: "gpu-1" });
    expect(await queue.getJobState(job.id)).toBe("active");
    expect(await db.prisma.jobEvent.count({ where: { jobId: job.id, message: { startsWith: "queued:" } } })).toBe(0);

    // The lock expires (the runner really died): the next pass hands the job back.
    await redis.del(`${prefix}:${TRAINING_QUEUE}:${job.id}:lock`);
    expect((await pass()).requeued).toEqual([job.id]);
    expect(await queue.getJobState(job.id)).not.toBe("active"); // the dead runner's BullMQ job, removed and re-added
    expect(await db.prisma.jobEvent.count({ where: { jobId: job.id, message: { startsWith: "queued:" } } })).toBe(1);
  });

  it("applies the same rule to evaluations", async () => {
    const { team } = await createFixture(db.prisma);
    const evaluation = await db.prisma.evaluation.create({
      data: { teamId: team.id, name: "eval", technique: "sft", splitKind: "all", settings: {}, state: "queued" },
    });
    await queue.add("evaluation.run", { kind: "evaluate" }, { jobId: evaluation.id });
    await db.prisma.evaluation.update({
      where: { id: evaluation.id },
      data: { state: "running", runnerName: "gpu-2", enqueuedAt: new Date() },
    });
    await db.prisma.runner.create({
      data: { name: "gpu-2", state: "busy", lastHeartbeatAt: new Date(Date.now() - 45_000) },
    });
    expect(await takeAndHold()).toBe(evaluation.id);

    // Alive key present: online. Then no key but the lock held: offline, the evaluation stays running.
    await redis.set(runnerAliveKey("gpu-2", prefix), "x", "PX", 30_000);
    expect(await pass()).toMatchObject({ runnersOffline: [], evaluationsRequeued: [] });
    await redis.del(runnerAliveKey("gpu-2", prefix));
    expect(await pass()).toMatchObject({ runnersOffline: ["gpu-2"], evaluationsRequeued: [] });
    expect((await db.prisma.evaluation.findUniqueOrThrow({ where: { id: evaluation.id } })).state).toBe("running");
  });
});
