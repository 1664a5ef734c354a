/**
 * Wires the worker's services from its configuration: the events consumer and the reconciler, with their
 * connections and blob storage (an evaluation's report is read when its success is applied). `main.ts` starts it and
 * closes it on SIGTERM/SIGINT.
 */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { dropDuplicate, onJobStateApplied, performApplyEffects, startSchedulingSweep } from "@whetstone/api";
import { createPrismaClient } from "@whetstone/db";
import { EVENTS_GROUP, EVENTS_STREAM, jobUpdatesChannel, TRAINING_QUEUE } from "@whetstone/queue";
import { createStorage, type BlobStorage } from "@whetstone/storage";
import type { Env } from "./env";
import { EventsConsumer } from "./events/events-consumer";
import type { Logger } from "./logger";
import { Reconciler } from "./reconciler";
import { StorageSweeper } from "./storage-sweeper";
import { WebhookDispatcher } from "./webhook-dispatcher";

export interface WorkerOverrides {
  /** Redis names, replaced by tests so they never touch a real deployment's keys. */
  stream?: string;
  group?: string;
  channel?: (jobId: string) => string;
  bullPrefix?: string;
  /** Prefix of Whetstone's own Redis keys (the runners' alive keys), as the runners' WHETSTONE_KEY_PREFIX. */
  keyPrefix?: string;
  storage?: BlobStorage;
  /** Webhook deliveries' HTTP client (tests). */
  fetch?: typeof fetch;
}

export interface RunningWorker {
  consumer: EventsConsumer;
  reconciler: Reconciler;
  webhooks: WebhookDispatcher;
  /** Stops the loops, then closes Redis and PostgreSQL connections. Idempotent. */
  close(): Promise<void>;
}

export function startWorker(env: Env, logger: Logger, overrides: WorkerOverrides = {}): RunningWorker {
  const prisma = createPrismaClient(env.DATABASE_URL);
  // Commands (publish, queue operations): fail fast while Redis is down; the loops retry on their own.
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 1 });
  // Blocking XREADGROUP: a connection of its own, never timing out a command.
  const eventsRedis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  for (const [name, conn] of [
    ["redis", redis],
    ["events redis", eventsRedis],
  ] as const) {
    conn.on("error", (err: Error) => logger.error(`${name} connection error`, { err: err.message }));
  }
  const trainingQueue = new Queue(TRAINING_QUEUE, {
    connection: redis,
    ...(overrides.bullPrefix ? { prefix: overrides.bullPrefix } : {}),
  });
  trainingQueue.on("error", (err: Error) => logger.error("training queue error", { err: err.message }));

  const storage =
    overrides.storage ??
    lazyStorage(
      createStorage(env.STORAGE_URL, {
        endpoint: env.S3_ENDPOINT_URL,
        region: env.S3_REGION,
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      }),
    );

  const channel = overrides.channel ?? jobUpdatesChannel;
  const publish = (id: string, message: Record<string, unknown>) =>
    redis.publish(channel(id), JSON.stringify(message)).catch((err: unknown) => {
      logger.warn("could not publish a job update", { jobId: id, err });
    });
  const consumer = new EventsConsumer({
    prisma,
    redis: eventsRedis,
    logger: logger.child({ service: "events" }),
    consumer: env.WORKER_NAME,
    stream: overrides.stream ?? EVENTS_STREAM,
    group: overrides.group ?? EVENTS_GROUP,
    channel,
    batchSize: env.EVENTS_BATCH_SIZE,
    blockMs: env.EVENTS_BLOCK_MS,
    claimMinIdleMs: env.EVENTS_CLAIM_IDLE_MS,
    maxMeteredGapMs: 2 * env.HEARTBEAT_SECONDS * 1000,
    storage,
    onCommitted: async (_entryId, event, result) => {
      // After commit: enqueue the automatic evaluation a training success created (decision 0007). A failure here
      // leaves it `queued` with enqueuedAt null, and the reconciler enqueues it.
      if (result?.effects?.length) {
        const updates = await performApplyEffects({ prisma, trainingQueue }, result.effects, logger).catch(
          (err: unknown) => (logger.error("could not enqueue an evaluation", { err }), []),
        );
        for (const u of updates) await publish(u.jobId, u.message);
      }
      // A late final report won over a wrong re-queue: the BullMQ job added meanwhile must not run it again (0011).
      if (result?.outcome === "applied" && result.dropDuplicate) {
        await dropDuplicate({ trainingQueue }, result.dropDuplicate, logger, { keyPrefix: overrides.keyPrefix });
      }
      // A job that reached a final state frees its team's quota: start the team's waiting jobs (docs/decisions/0004).
      if (event.type !== "state" || event.kind !== "train") return;
      await onJobStateApplied({ prisma, trainingQueue }, event.jobId, event.state).catch((err: unknown) =>
        logger.error("could not start pending jobs", { jobId: event.jobId, err }),
      );
    },
  });
  const reconciler = new Reconciler({
    prisma,
    redis,
    trainingQueue,
    logger: logger.child({ service: "reconciler" }),
    intervalMs: env.RECONCILE_INTERVAL_MS,
    runnerOfflineAfterMs: env.RUNNER_OFFLINE_AFTER_MS,
    requeueGraceMs: env.REQUEUE_GRACE_MS,
    channel,
    secretKey: env.WEBHOOK_SECRET_KEY,
    ...(overrides.keyPrefix ? { keyPrefix: overrides.keyPrefix } : {}),
  });
  const webhooks = new WebhookDispatcher({
    prisma,
    logger: logger.child({ service: "webhooks" }),
    secretKey: env.WEBHOOK_SECRET_KEY,
    intervalMs: env.WEBHOOK_INTERVAL_MS,
    policy: { baseDelayMs: env.WEBHOOK_RETRY_BASE_MS },
    fetch: overrides.fetch,
  });
  const storageSweeper = new StorageSweeper({
    prisma,
    storage,
    logger: logger.child({ service: "storage-sweeper" }),
    intervalMs: env.STORAGE_SWEEP_INTERVAL_MS,
    afterMs: env.STORAGE_SWEEP_AFTER_MS,
  });
  consumer.start();
  reconciler.start();
  storageSweeper.start();
  webhooks.start();
  // Quota promotion for every team with room (also after API cancels) and the fair order of the queue.
  const scheduling = startSchedulingSweep(
    { prisma, trainingQueue },
    { intervalMs: env.RECONCILE_INTERVAL_MS, onError: (err) => logger.error("scheduling sweep failed", { err }) },
  );
  logger.info("worker started", { worker: env.WORKER_NAME });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await Promise.allSettled([
        consumer.stop(),
        reconciler.stop(),
        scheduling.stop(),
        webhooks.stop(),
        storageSweeper.stop(),
      ]);
      await Promise.allSettled([trainingQueue.close()]);
      await Promise.allSettled([redis.quit(), eventsRedis.quit(), prisma.$disconnect()]);
      logger.info("worker stopped");
    })());
  return { consumer, reconciler, webhooks, close };
}

/** Storage whose creation (an import for S3) finishes in the background; each call waits for it. */
function lazyStorage(created: Promise<BlobStorage>): BlobStorage {
  created.catch(() => undefined); // reported by the first call that needs it
  return {
    put: async (key, body) => (await created).put(key, body),
    get: async (key) => (await created).get(key),
    stat: async (key) => (await created).stat(key),
    delete: async (key) => (await created).delete(key),
    list: async (prefix) => (await created).list(prefix),
    removeUnfinished: async (olderThan) => (await (await created).removeUnfinished?.(olderThan)) ?? [],
  };
}
