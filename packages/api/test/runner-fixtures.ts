/**
 * Fixtures of the runner's side, shared by the tests of packages/api (runner events, reconcile) and apps/worker
 * (`@whetstone/api/testing`): the real Redis, a job written with Prisma directly, and builders of runner events.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { PrismaClient } from "@whetstone/db";
import type { RunnerEventInput } from "@whetstone/queue";

export const redisUrl = () => process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** A fresh connection to the real Redis; a missing Redis fails the test (no retry loop hiding it). */
export function connectRedis(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: null, lazyConnect: false });
}

/** Deletes every key under a test's prefix. */
export async function cleanRedis(redis: Redis, prefix: string): Promise<void> {
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
}

/** Resolved hyperparameters (every field present), as the API stores them. */
export const HYPERPARAMETERS = {
  epochs: 1,
  learningRate: 0.0002,
  batchSize: 4,
  gradientAccumulationSteps: 1,
  maxSeqLength: 128,
  warmupRatio: 0,
  weightDecay: 0,
  loraR: 8,
  loraAlpha: 16,
  loraDropout: 0,
  validationSplit: 0.1,
  earlyStoppingPatience: 3,
  evalEverySteps: 5,
  checkpointEverySteps: 10,
  logEverySteps: 1,
  maxSteps: 20,
  seed: 42,
  packing: false,
  mergeWeights: false,
  neftuneNoiseAlpha: null,
};

/** A user, a team, a base model, a dataset version and a fine-tuning job, written with Prisma directly. */
export async function createFixture(
  prisma: PrismaClient,
  job: {
    state?: "queued" | "running" | "validating_files";
    method?: "lora" | "qlora" | "full";
    runnerName?: string | null;
    enqueuedAt?: Date | null;
    hyperparameters?: object;
  } = {},
) {
  const s = randomBytes(4).toString("hex");
  const user = await prisma.user.create({ data: { email: `u-${s}@example.com`, name: "Ada" } });
  const team = await prisma.team.create({
    data: { slug: `legal-${s}`, name: "Legal", memberships: { create: { userId: user.id, role: "owner" } } },
  });
  const baseModel = await prisma.baseModel.create({
    data: {
      name: "tiny-llama",
      source: "local",
      ref: "/models/tiny-llama",
      parameterCount: 1_100_000n,
      contextLength: 2048,
    },
  });
  const dataset = await prisma.dataset.create({ data: { teamId: team.id, name: `contracts-${s}` } });
  const datasetVersion = await prisma.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      version: 1,
      blobKey: `datasets/${team.id}/${s}/data.jsonl`,
      filename: "data.jsonl",
      container: "jsonl",
      format: "chat",
      rowCount: 64,
      bytes: 12_345n,
      sha256: "a".repeat(64),
      profile: {},
      createdById: user.id,
    },
  });
  const fineTuneJob = await prisma.fineTuneJob.create({
    data: {
      teamId: team.id,
      createdById: user.id,
      name: `contracts-lora-${s}`,
      baseModelId: baseModel.id,
      technique: "sft",
      method: job.method ?? "lora",
      hyperparameters: job.hyperparameters ?? HYPERPARAMETERS,
      validationSplit: 0.1,
      seed: 42,
      state: job.state ?? "queued",
      runnerName: job.runnerName ?? null,
      enqueuedAt: job.enqueuedAt === undefined ? new Date() : job.enqueuedAt,
      queuedAt: new Date(),
      datasets: { create: { datasetVersionId: datasetVersion.id, weight: 1 } },
    },
  });
  return { user, team, baseModel, datasetVersion, job: fineTuneJob };
}

/** Builders of runner events with fresh ids. */
export const ev = {
  state: (
    jobId: string,
    state: "running" | "queued" | "succeeded" | "failed" | "cancelled",
    extra: Partial<RunnerEventInput> = {},
  ) =>
    ({
      type: "state",
      eventId: randomUUID(),
      ts: new Date().toISOString(),
      runner: "gpu-1",
      jobId,
      attempt: 1,
      state,
      message: null,
      ...extra,
    }) as RunnerEventInput,
  log: (jobId: string, message: string) =>
    ({
      type: "log",
      eventId: randomUUID(),
      ts: new Date().toISOString(),
      runner: "gpu-1",
      jobId,
      attempt: 1,
      level: "info",
      message,
    }) as RunnerEventInput,
  metric: (jobId: string, step: number, values: Record<string, number>) =>
    ({
      type: "metric",
      eventId: randomUUID(),
      ts: new Date().toISOString(),
      runner: "gpu-1",
      jobId,
      attempt: 1,
      step,
      epoch: step / 100,
      values,
    }) as RunnerEventInput,
  checkpoint: (jobId: string, step: number) =>
    ({
      type: "checkpoint",
      eventId: randomUUID(),
      ts: new Date().toISOString(),
      runner: "gpu-1",
      jobId,
      attempt: 1,
      step,
      key: `jobs/${jobId}/checkpoints/step-${step}/`,
      bytes: 4096,
    }) as RunnerEventInput,
  heartbeat: (runner: string, ts: Date, currentJobId: string | null) =>
    ({
      type: "heartbeat",
      eventId: randomUUID(),
      ts: ts.toISOString(),
      runner,
      gpuName: "NVIDIA H100 80GB HBM3",
      vramMb: 81559,
      cudaVersion: "12.4",
      state: currentJobId ? "busy" : "idle",
      currentJobId,
      version: "0.1.0",
    }) as RunnerEventInput,
};
