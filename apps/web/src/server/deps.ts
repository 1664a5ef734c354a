/**
 * ApiDeps built once per process (and kept across hot reloads in development): Prisma, a Redis producer
 * connection, the BullMQ "training" queue, blob storage.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { ApiDeps } from "@whetstone/api";
import { createPrismaClient } from "@whetstone/db";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { createStorage } from "@whetstone/storage";
import { env } from "../env";

const globalForDeps = globalThis as unknown as { whetstoneDeps?: Promise<ApiDeps> };

async function buildDeps(): Promise<ApiDeps> {
  const e = env();
  // Producer connection: fail fast rather than queue commands forever while Redis is down.
  const redis = new Redis(e.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
  redis.on("error", (err) => console.error("[web] redis:", err.message));
  const trainingQueue = new Queue(TRAINING_QUEUE, { connection: redis });
  trainingQueue.on("error", (err) => console.error("[web] training queue:", err.message));
  const storage = await createStorage(e.STORAGE_URL, {
    endpoint: e.S3_ENDPOINT_URL,
    region: e.S3_REGION,
    accessKeyId: e.AWS_ACCESS_KEY_ID,
    secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
  });
  return {
    prisma: createPrismaClient(e.DATABASE_URL),
    redis,
    trainingQueue,
    storage,
    config: { maxUploadBytes: e.MAX_UPLOAD_BYTES },
  };
}

export function getDeps(): Promise<ApiDeps> {
  globalForDeps.whetstoneDeps ??= buildDeps().catch((err: unknown) => {
    globalForDeps.whetstoneDeps = undefined;
    throw err;
  });
  return globalForDeps.whetstoneDeps;
}

/** A dedicated subscriber connection (one per SSE stream); the caller must quit it. */
export function createSubscriber(): Redis {
  const sub = new Redis(env().REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  sub.on("error", (err) => console.error("[web] redis subscriber:", err.message));
  return sub;
}
