/**
 * ApiDeps built once per process (and kept across hot reloads in development): Prisma, a Redis producer
 * connection, the BullMQ "training" queue, blob storage.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { REQUEST_REDIS_OPTIONS, type ApiDeps } from "@whetstone/api";
import { createPrismaClient } from "@whetstone/db";
import { INFERENCE_QUEUE, TRAINING_QUEUE } from "@whetstone/queue";
import { createStorage } from "@whetstone/storage";
import { env } from "../env";

const globalForDeps = globalThis as unknown as { whetstoneDeps?: Promise<ApiDeps>; whetstoneInference?: Queue };

async function buildDeps(): Promise<ApiDeps> {
  const e = env();
  // Producer connection: a command fails at once while Redis is down (the request answers 503 or, creating a job,
  // accepts it and leaves the enqueue to the worker's reconciler), never waits out reconnections.
  const redis = new Redis(e.REDIS_URL, { ...REQUEST_REDIS_OPTIONS, lazyConnect: false });
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
    config: { maxUploadBytes: e.MAX_UPLOAD_BYTES, webhookSecretKey: e.WEBHOOK_SECRET_KEY ?? null },
  };
}

export function getDeps(): Promise<ApiDeps> {
  globalForDeps.whetstoneDeps ??= buildDeps().catch((err: unknown) => {
    globalForDeps.whetstoneDeps = undefined;
    throw err;
  });
  return globalForDeps.whetstoneDeps;
}

/** The BullMQ "inference" queue (generate requests: the playground and the REST generate route), on the producer connection. */
export async function getInferenceQueue(): Promise<Queue> {
  const { redis } = await getDeps();
  if (!globalForDeps.whetstoneInference) {
    const q = new Queue(INFERENCE_QUEUE, { connection: redis });
    q.on("error", (err) => console.error("[web] inference queue:", err.message));
    globalForDeps.whetstoneInference = q;
  }
  return globalForDeps.whetstoneInference;
}

/** A dedicated subscriber connection (one per SSE stream, or per blocking XREAD); the caller must quit it. */
export function createSubscriber(): Redis {
  const sub = new Redis(env().REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  sub.on("error", (err) => console.error("[web] redis subscriber:", err.message));
  return sub;
}
