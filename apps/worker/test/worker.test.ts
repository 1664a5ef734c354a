import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { loadEnv } from "../src/env";
import { createMemoryLogger } from "../src/logger";
import { startWorker } from "../src/worker";
import { addEvent, cleanRedis, connectRedis, createFixture, ev, redisUrl, uniqueNames, waitFor } from "./helpers";

let db: TestDatabase;
let redis: Redis;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = connectRedis();
});
afterAll(async () => {
  redis.disconnect();
  await db.drop();
});

describe("env", () => {
  it("applies defaults and names each invalid variable", () => {
    const env = loadEnv({
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/x",
      STORAGE_URL: "file:///var/lib/whetstone/blobs",
      REDIS_URL: "",
    });
    expect(env).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:6379",
      EVENTS_BATCH_SIZE: 100,
      EVENTS_BLOCK_MS: 1000,
      RECONCILE_INTERVAL_MS: 5000,
    });
    expect(() => loadEnv({ STORAGE_URL: "ftp://x", EVENTS_BLOCK_MS: "soon" })).toThrow(
      /DATABASE_URL[\s\S]*STORAGE_URL: must be a file:\/\/ or s3:\/\/ URL[\s\S]*EVENTS_BLOCK_MS/,
    );
  });
});

describe("worker", () => {
  it("runs the consumer and the reconciler, and closes idempotently", async () => {
    const names = uniqueNames();
    const env = loadEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl(),
      STORAGE_URL: "file:///tmp/whetstone-worker-test",
      WORKER_NAME: "smoke",
      EVENTS_BLOCK_MS: "100",
      RECONCILE_INTERVAL_MS: "100",
    });
    const logger = createMemoryLogger();
    const { job: running } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const { job: lost } = await createFixture(db.prisma, { state: "queued", enqueuedAt: null });
    const worker = startWorker(env, logger, {
      stream: names.stream,
      group: names.group,
      channel: names.channel,
      bullPrefix: names.prefix,
    });
    const queueConnection = connectRedis();
    const queue = new Queue(TRAINING_QUEUE, { connection: queueConnection, prefix: names.prefix });
    try {
      await addEvent(redis, names.stream, ev.metric(running.id, 7, { train_loss: 0.5 }));
      await waitFor(async () => (await db.prisma.metricPoint.count({ where: { jobId: running.id } })) === 1);
      await waitFor(async () => ["waiting", "prioritized"].includes(await queue.getJobState(lost.id)));
    } finally {
      await Promise.all([worker.close(), worker.close()]);
      await worker.close();
      await queue.close();
      queueConnection.disconnect();
      await cleanRedis(redis, names.prefix);
    }
    expect(logger.records.filter((r) => r.msg === "worker stopped")).toHaveLength(1);
  });
});
