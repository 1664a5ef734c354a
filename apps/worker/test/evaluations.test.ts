/**
 * The worker's part in evaluations (decision 0007), wired as in production: a training job's success read from the
 * stream creates its automatic evaluation and enqueues it right after the commit (not waiting for the reconciler);
 * the evaluation's own events then drive it to `succeeded` with the report read from the worker's blob storage.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { evaluationJobPayloadSchema, TRAINING_QUEUE } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { loadEnv } from "../src/env";
import { createMemoryLogger } from "../src/logger";
import { startWorker } from "../src/worker";
import { addEvent, cleanRedis, connectRedis, createFixture, ev, redisUrl, uniqueNames, waitFor } from "./helpers";

let db: TestDatabase;
let redis: Redis;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  redis = connectRedis();
  dir = await mkdtemp(join(tmpdir(), "whetstone-worker-eval-"));
});
afterAll(async () => {
  redis.disconnect();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

const REPORT = {
  reportVersion: 1,
  technique: "sft",
  base: "tiny-llama",
  models: ["tiny-llama", "contracts-lora"],
  bootstrap: { resamples: 1000 },
  tasks: [
    {
      name: "contracts",
      kind: "sft",
      examples: 6,
      primaryMetric: "rouge_l",
      models: { "tiny-llama": { scores: { rouge_l: 0.2 } }, "contracts-lora": { scores: { rouge_l: 0.3 } } },
    },
  ],
  comparisons: [
    {
      model: "contracts-lora",
      headline: "The fine-tuned model is not significantly different from the base on ROUGE-L.",
      metrics: [],
      flips: {},
      warnings: [],
    },
  ],
  headline: "The fine-tuned model is not significantly different from the base on ROUGE-L.",
  warnings: [],
};

describe("worker: evaluations", () => {
  it("enqueues the automatic evaluation after the training success commits, and applies its report", async () => {
    const names = uniqueNames();
    const storage = new LocalStorage(dir);
    const env = loadEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl(),
      STORAGE_URL: `file://${dir}`,
      WORKER_NAME: "eval-smoke",
      EVENTS_BLOCK_MS: "100",
      // One reconcile pass at start, none after: the enqueue below is the consumer's.
      RECONCILE_INTERVAL_MS: "600000",
    });
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const worker = startWorker(env, createMemoryLogger(), {
      stream: names.stream,
      group: names.group,
      channel: names.channel,
      bullPrefix: names.prefix,
      storage,
    });
    const queueConnection = connectRedis();
    const queue = new Queue(TRAINING_QUEUE, { connection: queueConnection, prefix: names.prefix });
    try {
      await addEvent(redis, names.stream, ev.state(job.id, "succeeded"));
      let evaluationId = "";
      await waitFor(async () => {
        const e = await db.prisma.evaluation.findFirst({ where: { sourceJobId: job.id } });
        evaluationId = e?.id ?? "";
        return e?.enqueuedAt != null;
      });
      const bull = await queue.getJob(evaluationId);
      expect(bull?.name).toBe("evaluation.run");
      expect(evaluationJobPayloadSchema.parse(bull!.data).models.map((m) => m.label)).toEqual(["tiny-llama", job.name]);

      const body = Buffer.from(JSON.stringify({ ...REPORT, models: ["tiny-llama", job.name] }));
      const key = `evaluations/${evaluationId}/report.json`;
      await storage.put(key, Readable.from([body]));
      const sha256 = createHash("sha256").update(body).digest("hex");
      for (const e of [
        ev.state(evaluationId, "running", { kind: "evaluate" }),
        ev.state(evaluationId, "succeeded", {
          kind: "evaluate",
          artifacts: [{ kind: "eval_report", name: "report.json", key, bytes: body.length, sha256 }],
        }),
      ])
        await addEvent(redis, names.stream, e);
      await waitFor(async () => {
        const e = await db.prisma.evaluation.findUniqueOrThrow({ where: { id: evaluationId } });
        return e.state === "succeeded";
      });
      const row = await db.prisma.evaluation.findUniqueOrThrow({ where: { id: evaluationId } });
      expect(row).toMatchObject({ reportKey: key, reportSha256: sha256 });
      expect(row.summary).toMatchObject({ headline: REPORT.headline });
      expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("succeeded");
    } finally {
      await worker.close();
      await queue.close();
      queueConnection.disconnect();
      await cleanRedis(redis, names.prefix);
    }
  });
});
