/**
 * The final-event rule (docs/decisions/0011-liveness-and-final-events.md): a `succeeded` or `failed` from the runner
 * that last held the work wins even when the reconciler put the work back in the queue meanwhile, and the duplicate
 * BullMQ job is dropped so the work does not run again. What broke before: the success was discarded ("a job in state
 * queued cannot move to succeeded") and the job ran again from its last checkpoint, over its own artifacts.
 */
import { randomBytes } from "node:crypto";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { REDIS_KEYS, redisKey, runnerEventSchema, TRAINING_QUEUE, type RunnerEventInput } from "@whetstone/queue";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import { dropDuplicate } from "../src/runner-events/perform-apply-effects";
import type { ApplyResult } from "../src/runner-events/runner-event.types";
import { cleanRedis, connectRedis, createFixture, ev } from "./runner-fixtures";

let db: TestDatabase;
let redis: Redis;
let prefix: string;
let queue: Queue;
const closers: Array<() => Promise<unknown>> = [];
const quiet = { warn: () => undefined, error: () => undefined };

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
});

async function send(e: RunnerEventInput): Promise<ApplyResult> {
  const event = runnerEventSchema.parse(e);
  return db.prisma.$transaction((tx) => applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000 }));
}

/** A runner's BullMQ worker that takes the next job and holds its lock. */
async function take(token: string) {
  const connection = connectRedis();
  const worker = new Worker(TRAINING_QUEUE, null, { connection, prefix, autorun: false, lockDuration: 60_000 });
  closers.push(async () => {
    await worker.close(true);
    connection.disconnect();
  });
  return worker.getNextJob(token);
}

const cancelKeyOf = (id: string) => redisKey(REDIS_KEYS.cancel, { jobId: id }, prefix);

describe("a final report from the runner that held the work wins over a wrong re-queue", () => {
  it("applies gpu-1's success to the job the reconciler had put back in the queue, and drops the duplicate BullMQ job", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: new Date() });
    await queue.add("training.run", { kind: "train" }, { jobId: job.id });
    expect((await take("token-gpu-1"))?.id).toBe(job.id);
    await send(ev.state(job.id, "running", { runner: "gpu-1" }));

    // gpu-1 was cut off for longer than the lock and the offline threshold (its lock expired, its key too): the
    // reconciler hands the job back and makes a fresh BullMQ job. But gpu-1 was training all along.
    await redis.del(`${prefix}:${TRAINING_QUEUE}:${job.id}:lock`);
    await db.prisma.runner.create({
      data: { name: "gpu-1", state: "busy", lastHeartbeatAt: new Date(Date.now() - 60_000) },
    });
    const report = await reconcileOnce(
      { prisma: db.prisma, trainingQueue: queue },
      { runnerOfflineAfterMs: 30_000, keyPrefix: prefix },
    );
    expect(report.requeued).toEqual([job.id]);
    expect(await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: "queued",
      runnerName: null,
      lastRunnerName: "gpu-1",
    });

    // Another runner's success on the queued job still counts for nothing.
    expect(await send(ev.state(job.id, "succeeded", { runner: "gpu-2" }))).toMatchObject({
      outcome: "ignored",
      reason: 'a job in state "queued" cannot move to "succeeded"',
    });

    // gpu-1 reports its success: applied.
    const result = await send(ev.state(job.id, "succeeded", { runner: "gpu-1", summary: { steps: 20 } }));
    expect(result).toMatchObject({ outcome: "applied", dropDuplicate: job.id });
    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ state: "succeeded", summary: { steps: 20 } });
    const note = await db.prisma.jobEvent.findFirstOrThrow({
      where: { jobId: job.id, kind: "state", message: { startsWith: "succeeded:" } },
    });
    expect(note.message).toContain("after it had been put back in the queue");
    expect(await db.prisma.baseModel.count({ where: { sourceJobId: job.id } })).toBe(1);

    // The BullMQ job the reconciler added is removed: no runner takes the job again.
    expect(["waiting", "prioritized"]).toContain(await queue.getJobState(job.id));
    await dropDuplicate({ trainingQueue: queue }, job.id, quiet, { keyPrefix: prefix });
    expect(await queue.getJobState(job.id)).toBe("unknown");
  });

  it("lets another runner take over a job whose holder is offline (BullMQ gave it the job), and no sooner", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-5" });
    await db.prisma.runner.create({ data: { name: "gpu-5", state: "busy", lastHeartbeatAt: new Date() } });
    expect(await send(ev.state(job.id, "running", { runner: "gpu-6" }))).toMatchObject({
      outcome: "ignored",
      reason: 'job runs on "gpu-5", not on "gpu-6"',
    });
    await db.prisma.runner.update({ where: { name: "gpu-5" }, data: { state: "offline" } });
    expect(await send(ev.state(job.id, "running", { runner: "gpu-6", attempt: 2 }))).toMatchObject({
      outcome: "applied",
    });
    expect(await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: "running",
      runnerName: "gpu-6",
      lastRunnerName: "gpu-6",
    });
    // The old holder's word no longer counts; only a take-over's `running` was let through, not a final state.
    expect(await send(ev.state(job.id, "succeeded", { runner: "gpu-5" }))).toMatchObject({ outcome: "ignored" });
  });

  it("tells a runner that already took the duplicate to drop it", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued", enqueuedAt: new Date() });
    await queue.add("training.run", { kind: "train" }, { jobId: job.id });
    expect((await take("token-gpu-2"))?.id).toBe(job.id); // gpu-2 holds the duplicate
    await dropDuplicate({ trainingQueue: queue }, job.id, quiet, { keyPrefix: prefix });
    expect(await queue.getJobState(job.id)).toBe("active"); // locked: not removable...
    expect(await redis.get(cancelKeyOf(job.id))).toBe("1"); // ...so its runner is asked to drop it
  });

  it("applies to evaluations and active-learning work by the same rule", async () => {
    const { team, user, baseModel, datasetVersion } = await createFixture(db.prisma);
    const evaluation = await db.prisma.evaluation.create({
      data: {
        teamId: team.id,
        name: "eval",
        technique: "sft",
        splitKind: "all",
        settings: {},
        state: "queued",
        lastRunnerName: "gpu-1",
      },
    });
    const failed = await send(
      ev.state(evaluation.id, "failed", { kind: "evaluate", runner: "gpu-1", message: "CUDA out of memory" }),
    );
    expect(failed).toMatchObject({ outcome: "applied", dropDuplicate: evaluation.id });
    expect(await db.prisma.evaluation.findUniqueOrThrow({ where: { id: evaluation.id } })).toMatchObject({
      state: "failed",
      error: "CUDA out of memory",
    });

    const project = await db.prisma.activeLearningProject.create({
      data: {
        teamId: team.id,
        createdById: user.id,
        name: "triage",
        task: "classification",
        labels: [{ name: "a" }, { name: "b" }],
        baseModelId: baseModel.id,
        strategy: "margin",
        hyperparameters: {},
        poolVersionId: datasetVersion.id,
        heldOutVersionId: datasetVersion.id,
      },
    });
    const simulation = await db.prisma.activeLearningSimulation.create({
      data: {
        projectId: project.id,
        datasetVersionId: datasetVersion.id,
        strategies: ["margin"],
        settings: {},
        state: "queued",
        lastRunnerName: "gpu-1",
      },
    });
    // From another runner: ignored. From the runner that held it: applied.
    const other = await send(ev.state(simulation.id, "succeeded", { kind: "simulate", runner: "gpu-9" }));
    expect(other).toMatchObject({ outcome: "ignored" });
    const own = await send(ev.state(simulation.id, "failed", { kind: "simulate", runner: "gpu-1", message: "y" }));
    expect(own).toMatchObject({ outcome: "applied", dropDuplicate: simulation.id });
    expect((await db.prisma.activeLearningSimulation.findUniqueOrThrow({ where: { id: simulation.id } })).state).toBe(
      "failed",
    );
  });
});
