/** Generating from a model: the request put on the inference queue, and the token stream read back from Redis. */
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_HYPERPARAMETERS } from "@whetstone/core";
import { JOB_KINDS, QUEUES, REDIS_KEYS, generationJobPayloadSchema, redisKey } from "@whetstone/queue";
import { AppError } from "../src/errors";
import { cancelGeneration } from "../src/inference/cancel-generation";
import { collectGeneration } from "../src/inference/collect-generation";
import {
  GenerationFailedError,
  GenerationTimeoutError,
  generationStreamKey,
  readGenerationStream,
} from "../src/inference/read-generation-stream";
import { GENERATION_TTL_MS, startGeneration, type GenerationDeps } from "../src/inference/start-generation";
import type { GenerationEntry } from "../src/inference/generate-request";
import { seedBaseModel, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
let w: World;
let inferenceQueue: Queue;
let deps: GenerationDeps;
let reader: Redis;
const streamKeys: string[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  inferenceQueue = new Queue(`inference-test-${env.prefix}`, { connection: env.deps.redis, prefix: env.prefix });
  deps = { prisma: env.db.prisma, inferenceQueue };
  reader = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null });
});
afterAll(async () => {
  await inferenceQueue?.obliterate({ force: true }).catch(() => undefined);
  await inferenceQueue?.close();
  if (streamKeys.length) await env.deps.redis.del(...streamKeys);
  reader?.disconnect();
  await env?.close();
});

const body = (over: Record<string, unknown> = {}) => ({
  messages: [{ role: "user", content: "Can I return boots after a hike?" }],
  sampling: { temperature: 0, maxNewTokens: 16 },
  ...over,
});

async function expectAppError(p: Promise<unknown>, code: AppError["code"], field?: string): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  const e = err as AppError;
  expect(e.code).toBe(code);
  if (field) expect(e.details.field).toBe(field);
  return e;
}

/** Writes entries the way the runner does: one field `data` holding JSON. */
async function write(requestId: string, entries: object[]): Promise<void> {
  const key = generationStreamKey(requestId, env.prefix);
  if (!streamKeys.includes(key)) streamKeys.push(key);
  for (const e of entries) await env.deps.redis.xadd(key, "*", "data", JSON.stringify(e));
}

async function readAll(requestId: string, opts: Parameters<typeof readGenerationStream>[2] = {}) {
  const out: GenerationEntry[] = [];
  for await (const e of readGenerationStream(reader, requestId, { prefix: env.prefix, ...opts })) out.push(e);
  return out;
}

const DONE = {
  type: "done",
  finishReason: "stop",
  usage: { promptTokens: 12, completionTokens: 3 },
  ttftMs: 41.5,
  tokensPerSecond: 88.2,
};

describe("startGeneration", () => {
  it("enqueues a payload of the contract on the inference job name, with the model's lineage and a 2-minute expiry", async () => {
    const now = new Date("2026-01-05T10:00:00Z");
    const started = await startGeneration(deps, {
      teamId: w.teamA.id,
      modelId: w.artifactModelA.id,
      body: body({ system: "You answer for an outdoor shop." }),
      now,
    });
    expect(started.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.model).toEqual({ id: w.artifactModelA.id, name: "support-v1" });
    expect(started.task).toBe("chat");
    expect(started.stream).toBe(false);

    const job = await inferenceQueue.getJob(started.requestId);
    expect(job?.name).toBe(JOB_KINDS.generate.jobName);
    expect(JOB_KINDS.generate).toMatchObject({ jobName: "inference.generate", queue: QUEUES.inference });
    const payload = generationJobPayloadSchema.parse(job!.data);
    expect(payload).toMatchObject({
      kind: "generate",
      jobId: started.requestId,
      teamId: w.teamA.id,
      task: "chat",
      model: { modelId: w.artifactModelA.id, label: "support-v1" },
      sampling: { temperature: 0, topP: 0.95, maxNewTokens: 16, seed: null },
    });
    // The adapter is loaded on its parent: the lineage travels with the ref.
    expect(payload.model.ref).toMatchObject({
      id: w.artifactModelA.id,
      source: "artifact",
      artifactKind: "adapter",
      parent: { id: w.sharedModel.id, source: "huggingface", parent: null },
    });
    expect(payload.messages.map((m) => m.role)).toEqual(["system", "user"]);
    expect(new Date(payload.expiresAt).getTime()).toBe(now.getTime() + GENERATION_TTL_MS);
    expect(GENERATION_TTL_MS).toBe(120_000);
  });

  it("generates from instance-wide models; a new id per request", async () => {
    const a = await startGeneration(deps, { teamId: w.teamA.id, modelId: w.sharedModel.id, body: body() });
    const b = await startGeneration(deps, { teamId: w.teamA.id, modelId: w.sharedModel.id, body: body() });
    expect(a.requestId).not.toBe(b.requestId);
    expect(a.payload.model.ref.parent).toBeNull();
  });

  it("asks a model produced by a classification job to classify, unless told otherwise", async () => {
    const job = await env.db.prisma.fineTuneJob.create({
      data: {
        teamId: w.teamA.id,
        name: "topics",
        baseModelId: w.sharedModel.id,
        technique: "classification",
        method: "lora",
        hyperparameters: DEFAULT_HYPERPARAMETERS,
        validationSplit: 0.1,
        seed: 42,
        state: "succeeded",
      },
    });
    const model = await seedBaseModel(env.db.prisma, {
      teamId: w.teamA.id,
      source: "artifact",
      parentId: w.sharedModel.id,
      sourceJobId: job.id,
      artifactKind: "adapter",
    });
    const s = await startGeneration(deps, { teamId: w.teamA.id, modelId: model.id, body: body() });
    expect(s.task).toBe("classify");
    expect(s.payload.task).toBe("classify");
    const chat = await startGeneration(deps, { teamId: w.teamA.id, modelId: model.id, body: body({ task: "chat" }) });
    expect(chat.task).toBe("chat");
  });

  it("refuses classify for a model without a classification head, before the queue", async () => {
    const before = await inferenceQueue.count();
    const e = await expectAppError(
      startGeneration(deps, { teamId: w.teamA.id, modelId: w.sharedModel.id, body: body({ task: "classify" }) }),
      "BAD_REQUEST",
      "task",
    );
    expect(e.message).toMatch(/no classification head/);
    expect(await inferenceQueue.count()).toBe(before);
  });

  it("answers not found for another team's model, and for a model that does not exist", async () => {
    const before = await inferenceQueue.count();
    const e = await expectAppError(
      startGeneration(deps, { teamId: w.teamA.id, modelId: w.modelB.id, body: body() }),
      "NOT_FOUND",
    );
    expect(e.message).toContain(w.modelB.id);
    await expectAppError(
      startGeneration(deps, { teamId: w.teamB.id, modelId: w.artifactModelA.id, body: body() }),
      "NOT_FOUND",
    );
    await expectAppError(startGeneration(deps, { teamId: w.teamA.id, modelId: "nope", body: body() }), "NOT_FOUND");
    expect(await inferenceQueue.count()).toBe(before);
  });

  it("refuses a bad body with the field that is wrong, before touching the queue", async () => {
    const before = await inferenceQueue.count();
    const start = (b: unknown) => startGeneration(deps, { teamId: w.teamA.id, modelId: w.sharedModel.id, body: b });
    const e = await expectAppError(start(body({ messages: [] })), "BAD_REQUEST", "messages");
    expect(e.message).toBe("messages: at least one message is required");
    await expectAppError(start(body({ sampling: { temperature: 3 } })), "BAD_REQUEST", "sampling.temperature");
    await expectAppError(start(body({ sampling: { topP: 0 } })), "BAD_REQUEST", "sampling.topP");
    await expectAppError(start(body({ sampling: { maxNewTokens: 5000 } })), "BAD_REQUEST", "sampling.maxNewTokens");
    await expectAppError(
      start(body({ messages: [{ role: "robot", content: "hi" }] })),
      "BAD_REQUEST",
      "messages.0.role",
    );
    await expectAppError(start(null), "BAD_REQUEST", "body");
    // The field check comes before the model lookup: a bad body for another team's model is still a 400.
    await expectAppError(
      startGeneration(deps, { teamId: w.teamA.id, modelId: w.modelB.id, body: { messages: [] } }),
      "BAD_REQUEST",
      "messages",
    );
    expect(await inferenceQueue.count()).toBe(before);
  });
});

describe("cancelGeneration", () => {
  it("removes a request still waiting and sets its cancel flag for a runner already generating", async () => {
    const s = await startGeneration(deps, { teamId: w.teamA.id, modelId: w.sharedModel.id, body: body() });
    expect(await inferenceQueue.getJob(s.requestId)).toBeDefined();
    await cancelGeneration({ redis: env.deps.redis, inferenceQueue }, s.requestId, env.prefix);
    expect(await inferenceQueue.getJob(s.requestId)).toBeUndefined();
    const flag = redisKey(REDIS_KEYS.cancel, { jobId: s.requestId }, env.prefix);
    streamKeys.push(flag);
    expect(await env.deps.redis.get(flag)).toBe("1");
    expect(await env.deps.redis.ttl(flag)).toBeGreaterThan(0);
  });
});

describe("readGenerationStream", () => {
  it("yields the entries as the runner writes them, including ones written before it started, and stops at done", async () => {
    const id = `req-${Date.now()}-a`;
    await write(id, [
      { type: "start", model: "support-v1", runner: "gpu-1" },
      { type: "token", text: "Yes" },
    ]);
    const reading = readAll(id);
    await new Promise((r) => setTimeout(r, 150));
    await write(id, [{ type: "token", text: ", within" }, { type: "token", text: " 30 days." }, DONE]);
    await write(id, [{ type: "token", text: "after done: never read" }]);
    const entries = await reading;
    expect(entries.map((e) => e.type)).toEqual(["start", "token", "token", "token", "done"]);
    expect(entries.at(-1)).toEqual(DONE);
    // The stream is kept a minute for late readers, then expires.
    const ttl = await env.deps.redis.ttl(generationStreamKey(id, env.prefix));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("collects a stream into one answer, with the label probabilities of a classification", async () => {
    const id = `req-${Date.now()}-b`;
    await write(id, [
      { type: "start", model: "topics", runner: "gpu-1" },
      { type: "token", text: "sport" },
      { type: "probs", labels: { sport: 0.9, business: 0.1 } },
      { ...DONE, usage: { promptTokens: 30, completionTokens: 1 } },
    ]);
    const result = await collectGeneration(readGenerationStream(reader, id, { prefix: env.prefix }), id);
    expect(result).toEqual({
      text: "sport",
      finishReason: "stop",
      usage: { promptTokens: 30, completionTokens: 1 },
      probs: { sport: 0.9, business: 0.1 },
      ttftMs: 41.5,
      tokensPerSecond: 88.2,
      runner: "gpu-1",
    });
  });

  it("stops at an error entry; collecting turns it into an error with the runner's message", async () => {
    const id = `req-${Date.now()}-c`;
    await write(id, [
      { type: "start", model: "m", runner: "gpu-1" },
      { type: "error", message: "model weights not found" },
      { type: "token", text: "never" },
    ]);
    expect((await readAll(id)).map((e) => e.type)).toEqual(["start", "error"]);
    const err = await collectGeneration(readGenerationStream(reader, id, { prefix: env.prefix }), id).catch((e) => e);
    expect(err).toBeInstanceOf(GenerationFailedError);
    expect((err as Error).message).toBe("model weights not found");
  });

  it("ends at a cancelled generation's done entry", async () => {
    const id = `req-${Date.now()}-x`;
    await write(id, [
      { type: "token", text: "a" },
      { ...DONE, finishReason: "cancelled" },
    ]);
    const result = await collectGeneration(readGenerationStream(reader, id, { prefix: env.prefix }), id);
    expect(result).toMatchObject({ text: "a", finishReason: "cancelled" });
  });

  it("skips an entry that does not match the format", async () => {
    const id = `req-${Date.now()}-d`;
    await write(id, [{ type: "token", text: "a" }, { type: "mystery" }]);
    await env.deps.redis.xadd(generationStreamKey(id, env.prefix), "*", "data", "not json");
    await env.deps.redis.xadd(generationStreamKey(id, env.prefix), "*", "other", "{}");
    await write(id, [DONE]);
    expect((await readAll(id)).map((e) => e.type)).toEqual(["token", "done"]);
  });

  it("times out with a clear error when no runner answers, and when a started runner goes silent", async () => {
    const t0 = Date.now();
    const err = await readAll(`req-${Date.now()}-none`, { firstEntryTimeoutMs: 400, blockMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(GenerationTimeoutError);
    expect((err as Error).message).toMatch(/no runner answered within 0.4 s — is a runner online/);
    expect(Date.now() - t0).toBeLessThan(2000);

    const id = `req-${Date.now()}-silent`;
    await write(id, [
      { type: "start", model: "m", runner: "gpu-1" },
      { type: "token", text: "a" },
    ]);
    const got: string[] = [];
    const silent = await (async () => {
      for await (const e of readGenerationStream(reader, id, { prefix: env.prefix, idleTimeoutMs: 300, blockMs: 100 }))
        got.push(e.type);
    })().catch((e) => e);
    expect(got).toEqual(["start", "token"]);
    expect(silent).toBeInstanceOf(GenerationTimeoutError);
    expect((silent as GenerationTimeoutError).started).toBe(true);
    expect((silent as Error).message).toMatch(/stopped answering/);
  });

  it("returns quietly when the caller aborts", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const entries = await readAll(`req-${Date.now()}-abort`, { signal: ac.signal, blockMs: 50 });
    expect(entries).toEqual([]);
  });
});
