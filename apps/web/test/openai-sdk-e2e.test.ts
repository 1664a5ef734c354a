/**
 * The OpenAI-compatible API end to end, driven by the OFFICIAL SDKs — the `openai` npm package and the `openai`
 * Python package (tools venv .venv-openai, scripts/setup/openai-sdk-venv.sh) — unchanged but for the base URL and a
 * Whetstone key. A real worker (events, reconciler, webhooks) in-process and a real Python runner on the tiny model,
 * real PostgreSQL and Redis: upload, create, follow the events to the end, list checkpoints, call the fine-tuned
 * model (one answer and streamed), pause a running job and resume it from its checkpoint, cancel it, and the signed
 * webhooks of both, verified with the SDK's own `webhooks.unwrap`.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type ApiDeps } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { INFERENCE_QUEUE, TRAINING_QUEUE } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { loadEnv } from "../../worker/src/env";
import { createMemoryLogger } from "../../worker/src/logger";
import { startWorker, type RunningWorker } from "../../worker/src/worker";
import { cleanRedis, redisUrl, uniqueNames } from "../../worker/test/helpers";
import {
  buildTinyModel,
  requireRunnerVenv,
  startRunner,
  waitUntil,
  type RunnerProcess,
} from "../../worker/test/runner-processes";
import { chatJsonl, startOpenAiServer, type OpenAiTestServer } from "./openai-server";

const sdkPython = fileURLToPath(new URL("../../../.venv-openai/bin/python", import.meta.url));
const WEBHOOK_KEY = "e2e-webhook-secret-key-of-at-least-32-chars";

let db: TestDatabase;
let redis: Redis;
let dir: string;
let storageRoot: string;
let deps: ApiDeps;
let inferenceQueue: Queue;
let server: OpenAiTestServer;
let worker: RunningWorker | null = null;
let runner: RunnerProcess | null = null;
let receiver: Server;
let receiverUrl: string;
const hooks: { headers: Record<string, string>; body: string }[] = [];
let key: string;
let teamSlug: string;
let secret: string;
const names = uniqueNames();
const bullPrefix = `${names.prefix}:bull`;
const logger = createMemoryLogger();

beforeAll(async () => {
  requireRunnerVenv();
  if (!existsSync(sdkPython)) {
    throw new Error(
      `the OpenAI SDK's tools venv is missing (${sdkPython}); build it with scripts/setup/openai-sdk-venv.sh`,
    );
  }
  db = await createTestDatabase();
  redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  dir = await mkdtemp(join(tmpdir(), "wst-openai-e2e-"));
  storageRoot = join(dir, "storage");
  const modelDir = join(dir, "tiny-llama");
  await buildTinyModel(modelDir);

  const trainingQueue = new Queue(TRAINING_QUEUE, { connection: redis, prefix: bullPrefix });
  inferenceQueue = new Queue(INFERENCE_QUEUE, { connection: redis, prefix: bullPrefix });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue,
    storage: new LocalStorage(storageRoot),
    config: { maxUploadBytes: 1 << 24, webhookSecretKey: WEBHOOK_KEY },
  };
  server = await startOpenAiServer(deps, {
    inferenceQueue,
    createReader: () => new Redis(redisUrl(), { maxRetriesPerRequest: null }),
  });

  const user = await db.prisma.user.create({ data: { email: "ml@outdoor.test" } });
  const team = await db.prisma.team.create({
    data: { slug: "outdoor", name: "Outdoor", memberships: { create: { userId: user.id, role: "owner" } } },
  });
  teamSlug = team.slug;
  await db.prisma.baseModel.create({
    data: { name: "tiny-llama", source: "local", ref: modelDir, parameterCount: 200_000n, contextLength: 256 },
  });
  const caller = appRouter.createCaller(
    createContext({ deps, caller: { kind: "session", userId: user.id, isAdmin: false }, teamSlug: team.slug }),
  );
  key = (await caller.apiKeys.create({ name: "sdk" })).key;

  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hooks.push({ headers: req.headers as Record<string, string>, body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/openai-hooks`;
  secret = (await caller.webhooks.create({ url: receiverUrl })).secret;

  worker = startWorker(
    loadEnv({
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl(),
      STORAGE_URL: `file://${storageRoot}`,
      WORKER_NAME: "worker-openai",
      LOG_LEVEL: "info",
      EVENTS_BLOCK_MS: "200",
      HEARTBEAT_SECONDS: "1",
      RECONCILE_INTERVAL_MS: "1000",
      RUNNER_OFFLINE_AFTER_MS: "15000",
      WEBHOOK_SECRET_KEY: WEBHOOK_KEY,
      WEBHOOK_INTERVAL_MS: "300",
      WEBHOOK_RETRY_BASE_MS: "200",
    }),
    logger,
    { stream: names.stream, group: names.group, channel: names.channel, bullPrefix },
  );
  // The runner keeps the default key prefix: the API writes cancel and pause keys, and reads generation streams,
  // under it. Unique job ids keep tests apart.
  runner = startRunner(`runner-openai-${names.prefix}`, {
    REDIS_URL: redisUrl(),
    STORAGE_URL: `file://${storageRoot}`,
    HEARTBEAT_SECONDS: "1",
    WHETSTONE_QUEUE: TRAINING_QUEUE,
    WHETSTONE_INFERENCE_QUEUE: INFERENCE_QUEUE,
    WHETSTONE_EVENTS_STREAM: names.stream,
    WHETSTONE_BULL_PREFIX: bullPrefix,
    RUNNER_WORKDIR: join(dir, "work"),
    HANDBACK_GRACE_SECONDS: "30",
  });
}, 180_000);

afterAll(async () => {
  runner?.killGroup();
  await waitUntil("the runner to exit", () => runner?.gone() ?? true, 15_000).catch(() => undefined);
  await worker?.close();
  await server?.close();
  await new Promise((r) => receiver?.close(r));
  await inferenceQueue?.obliterate({ force: true }).catch(() => undefined);
  await inferenceQueue?.close();
  await deps?.trainingQueue.obliterate({ force: true }).catch(() => undefined);
  await deps?.trainingQueue.close();
  if (redis) {
    await cleanRedis(redis, names.prefix);
    redis.disconnect();
  }
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

const context = () =>
  [
    `--- runner output (tail) ---\n${runner?.output().slice(-4000) ?? ""}`,
    `--- worker log (tail) ---\n${logger.records
      .slice(-20)
      .map((r) => JSON.stringify(r))
      .join("\n")}`,
  ].join("\n");

const FINAL = ["succeeded", "failed", "cancelled"];

async function hookFor(jobId: string, type: string) {
  return waitUntil(
    `the ${type} webhook of ${jobId}`,
    () => hooks.find((h) => h.body.includes(jobId) && h.body.includes(type)),
    20_000,
    context,
  );
}

describe("the official openai npm package", () => {
  it("uploads, fine-tunes, follows the events to the end, lists checkpoints, calls the model; pauses, resumes and cancels another job; webhooks arrive signed", async () => {
    const client = new OpenAI({ apiKey: key, baseURL: server.baseURL });

    const file = await client.files.create({
      file: await toFile(Buffer.from(chatJsonl(40)), "outdoor.jsonl"),
      purpose: "fine-tune",
    });
    const validation = await client.files.create({
      file: await toFile(Buffer.from(chatJsonl(8, 3)), "outdoor-valid.jsonl"),
      purpose: "fine-tune",
    });
    let job = await client.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: file.id,
      validation_file: validation.id,
      suffix: "e2e",
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2 } } },
    });
    expect(job).toMatchObject({ status: "queued", validation_file: validation.id });

    // Follow the events to the end: newest first, paged with `after`, until the job is final.
    const messages = new Map<string, string>();
    await waitUntil(
      "the job to finish",
      async () => {
        for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 5 })) {
          if (messages.has(e.id)) break; // newest first: the rest was seen before
          messages.set(e.id, e.message);
        }
        job = await client.fineTuning.jobs.retrieve(job.id);
        return FINAL.includes(job.status);
      },
      180_000,
      context,
    );
    expect(job.status, `${job.error?.message ?? ""}\n${context()}`).toBe("succeeded");
    // the final event may have been written after the last page was read: read what is new once more
    for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 5 })) {
      if (messages.has(e.id)) break;
      messages.set(e.id, e.message);
    }
    const log = [...messages.values()];
    expect(log.some((m) => m.startsWith("Fine-tuning job started"))).toBe(true);
    expect(log.some((m) => m.startsWith("The job has successfully completed"))).toBe(true);
    expect(job.fine_tuned_model).toBe(`ft:tiny-llama:${teamSlug}:e2e:${job.id.slice(6)}`);
    expect(job.trained_tokens).toBeGreaterThan(0);
    expect(job.finished_at).toEqual(expect.any(Number));
    expect(job.result_files).toHaveLength(1);
    const csv = await (await client.files.content(job.result_files[0]!)).text();
    expect(csv.split("\n")[0]).toBe("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy");
    expect(csv.split("\n").length).toBeGreaterThan(3);

    // The validation file validated, whole, under its name; nothing of the training file was held out for it.
    expect(log.some((m) => m.startsWith("36 training examples, validation: outdoor-valid.jsonl=8"))).toBe(true);
    // 40 rows → 36 trained (the test split aside) → 5 steps an epoch: a checkpoint at the end of each of the 2
    // epochs, newest first.
    const checkpoints = [];
    for await (const c of client.fineTuning.jobs.checkpoints.list(job.id)) checkpoints.push(c);
    expect(checkpoints.map((c) => c.step_number)).toEqual([10, 5]);
    expect(checkpoints[0]).toMatchObject({
      object: "fine_tuning.job.checkpoint",
      fine_tuning_job_id: job.id,
      fine_tuned_model_checkpoint: `${job.fine_tuned_model}:ckpt-step-10`,
      metrics: { step: 10, train_loss: expect.any(Number), valid_loss: expect.any(Number) },
    });

    const ftModel = job.fine_tuned_model!;
    expect((await client.models.list()).data.map((m) => m.id)).toContain(ftModel);
    expect(await client.models.retrieve(ftModel)).toMatchObject({ id: ftModel, owned_by: teamSlug });
    const answer = await client.chat.completions.create({
      model: ftModel,
      messages: [
        { role: "system", content: "You answer for an outdoor shop." },
        { role: "user", content: "tent?" },
      ],
      max_tokens: 6,
      temperature: 0,
    });
    expect(answer).toMatchObject({ object: "chat.completion", model: ftModel });
    expect(answer.choices[0]!.message.role).toBe("assistant");
    expect(typeof answer.choices[0]!.message.content).toBe("string");
    expect(["stop", "length"]).toContain(answer.choices[0]!.finish_reason);
    expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({
      model: ftModel,
      messages: [{ role: "user", content: "boots?" }],
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe("assistant");
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(true);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBeGreaterThan(0);

    // A checkpoint is a model of its own: the adapter at that step, served by the runner.
    const ckpt = checkpoints[1]!.fine_tuned_model_checkpoint;
    expect(ckpt).toBe(`${ftModel}:ckpt-step-5`);
    expect((await client.models.list()).data.map((m) => m.id)).toContain(ckpt);
    const early = await client.chat.completions.create({
      model: ckpt,
      messages: [{ role: "user", content: "tent?" }],
      max_tokens: 6,
      temperature: 0,
    });
    expect(early).toMatchObject({ object: "chat.completion", model: ckpt });
    expect(early.usage!.completion_tokens).toBeGreaterThan(0);
    expect(
      await db.prisma.checkpoint.count({ where: { jobId: job.id.slice(6), step: checkpoints[1]!.step_number } }),
    ).toBe(1);

    // The signed webhook, verified by the SDK itself.
    const hook = await hookFor(job.id.slice(6), "fine_tuning.job.succeeded");
    const event = await client.webhooks.unwrap(hook.body, hook.headers, secret);
    expect(event).toMatchObject({ type: "fine_tuning.job.succeeded", data: { id: job.id }, object: "event" });

    // Another job: long enough to pause while it runs, after its first checkpoint.
    let long = await client.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: file.id,
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 100 } } },
    });
    const longId = long.id.slice(6);
    await waitUntil(
      "the long job to checkpoint while running",
      async () => (await db.prisma.checkpoint.count({ where: { jobId: longId } })) > 0,
      120_000,
      context,
    );
    long = await client.fineTuning.jobs.pause(long.id);
    expect(["running", "paused"]).toContain(long.status);
    long = await waitUntil(
      "the long job to be paused",
      async () => {
        const j = await client.fineTuning.jobs.retrieve(long.id);
        // the SDK's status type lacks `paused` (its pause() exists): compare as a string
        return (j.status as string) === "paused" ? j : null;
      },
      60_000,
      context,
    );
    const pausedAt = (
      await db.prisma.checkpoint.findFirstOrThrow({ where: { jobId: longId }, orderBy: { step: "desc" } })
    ).step;
    long = await client.fineTuning.jobs.resume(long.id);
    expect(long.status).toBe("queued");
    await waitUntil(
      "the resumed job to continue from its checkpoint",
      () =>
        db.prisma.jobEvent.findFirst({
          where: { jobId: longId, kind: "log", message: { startsWith: `resuming from checkpoint step-${pausedAt}` } },
        }),
      60_000,
      context,
    );
    long = await client.fineTuning.jobs.cancel(long.id);
    long = await waitUntil(
      "the long job to be cancelled",
      async () => {
        const j = await client.fineTuning.jobs.retrieve(long.id);
        return j.status === "cancelled" ? j : null;
      },
      60_000,
      context,
    );
    const states = (
      await db.prisma.jobEvent.findMany({ where: { jobId: longId, kind: "state" }, orderBy: { createdAt: "asc" } })
    ).map((e) => e.message.split(":")[0]);
    expect(states).toEqual(["queued", "running", "paused", "pending_quota", "queued", "running", "cancelled"]);
    const cancelledHook = await hookFor(longId, "fine_tuning.job.cancelled");
    expect(await client.webhooks.unwrap(cancelledHook.body, cancelledHook.headers, secret)).toMatchObject({
      type: "fine_tuning.job.cancelled",
    });
    // pausing it now: a 400 in OpenAI's shape
    await expect(client.fineTuning.jobs.pause(long.id)).rejects.toMatchObject({
      status: 400,
      type: "invalid_request_error",
      code: "invalid_state",
    });
  }, 420_000);
});

describe("the official openai Python package", () => {
  it("uploads, fine-tunes, follows the events to the end, lists checkpoints, calls the model, cancels another job", async () => {
    const data = join(dir, "python.jsonl");
    await writeFile(data, chatJsonl(40, 7));
    const valid = join(dir, "python-valid.jsonl");
    await writeFile(valid, chatJsonl(6, 8));
    const { stdout } = await promisify(execFile)(
      sdkPython,
      [fileURLToPath(new URL("./openai_sdk_flow.py", import.meta.url))],
      {
        env: {
          ...process.env,
          OPENAI_BASE_URL: server.baseURL,
          OPENAI_API_KEY: key,
          WHETSTONE_MODEL: "tiny-llama",
          WHETSTONE_DATA: data,
          WHETSTONE_VALID: valid,
        },
        timeout: 360_000,
        maxBuffer: 16 << 20,
      },
    ).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`the Python SDK flow failed:\n${err.stderr ?? ""}\n${err.stdout ?? ""}\n${context()}`);
    });
    const out = JSON.parse(stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(out.file).toMatchObject({ object: "file", purpose: "fine-tune", filename: "python.jsonl" });
    expect(out.purpose_error).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      param: "purpose",
      body: expect.objectContaining({ param: "purpose" }),
    });
    expect(out.created).toMatchObject({ status: "queued", seed: 3, metadata: { sdk: "python" } });
    expect(out.final).toMatchObject({ status: "succeeded", seed: 3, validation_file: out.valid_file.id });
    expect(out.final.fine_tuned_model).toBe(`ft:tiny-llama:${teamSlug}:py:${(out.final.id as string).slice(6)}`);
    expect(out.events).toEqual(expect.arrayContaining([expect.stringMatching(/^The job has successfully completed/)]));
    // testSplit 0 and a validation file: all 40 rows train → 5 steps an epoch
    expect(out.events).toEqual(
      expect.arrayContaining([expect.stringMatching(/^40 training examples, validation: python-valid.jsonl=6/)]),
    );
    expect(out.checkpoints.map((c: { step_number: number }) => c.step_number)).toEqual([10, 5]);
    expect(out.ckpt_completion).toMatchObject({
      object: "chat.completion",
      model: out.checkpoints[1].fine_tuned_model_checkpoint,
    });
    expect(out.ckpt_completion.usage.completion_tokens).toBeGreaterThan(0);
    expect(out.models).toContain(out.checkpoints[1].fine_tuned_model_checkpoint);
    expect(out.listed).toEqual([out.final.id]);
    expect(out.models).toContain(out.final.fine_tuned_model);
    expect(out.completion.choices[0].message.role).toBe("assistant");
    expect(out.completion.usage.total_tokens).toBeGreaterThan(0);
    expect(out.stream.at(-1).usage.completion_tokens).toBeGreaterThan(0);
    expect(out.cancelled.status).toBe("cancelled");
    expect(out.pause_error).toMatchObject({ status: 400, type: "invalid_request_error", code: "invalid_state" });
    expect(out.model_error).toEqual({ status: 404, code: "model_not_found" });
  }, 420_000);
});
