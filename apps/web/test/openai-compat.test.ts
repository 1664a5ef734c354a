/**
 * The OpenAI-compatible API (/v1) driven by the OFFICIAL `openai` npm package, unchanged but for `baseURL` and a
 * Whetstone key, against real PostgreSQL and Redis (no runner: what needs one is in openai-sdk-e2e.test.ts).
 * Files, jobs, models, pause/resume before a runner took the job, and every error in OpenAI's shape.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { chatJsonl, startOpenAiServer, type OpenAiTestServer } from "./openai-server";

let db: TestDatabase;
let deps: ApiDeps;
let dir: string;
let server: OpenAiTestServer;
let inferenceQueue: Queue;
let client: OpenAI;
let other: OpenAI;
let viewer: OpenAI;
let teamA: { id: string; slug: string };

const session = (u: { id: string }): Caller => ({ kind: "session", userId: u.id, isAdmin: false });
const file = (text: string, name = "train.jsonl") => toFile(Buffer.from(text), name);

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-openai-test-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  const id = randomBytes(4).toString("hex");
  inferenceQueue = new Queue(`inference-oai-${id}`, { connection: redis, prefix: `wst-oai-${id}` });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue: new Queue(`training-oai-${id}`, { connection: redis, prefix: `wst-oai-${id}` }),
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: 1 << 20 },
  };
  server = await startOpenAiServer(deps, {
    inferenceQueue,
    createReader: () => new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null }),
    firstEntryTimeoutMs: 1000,
  });
  const p = db.prisma;
  const alice = await p.user.create({ data: { email: "alice@a.test" } });
  const bob = await p.user.create({ data: { email: "bob@b.test" } });
  teamA = await p.team.create({
    data: { slug: "team-a", name: "Team A", memberships: { create: { userId: alice.id, role: "owner" } } },
  });
  const teamB = await p.team.create({
    data: { slug: "team-b", name: "Team B", memberships: { create: { userId: bob.id, role: "owner" } } },
  });
  await p.baseModel.create({
    data: { name: "tiny-llama", source: "local", ref: "/models/tiny", parameterCount: 200_000n, contextLength: 256 },
  });
  const keyOf = async (u: { id: string }, slug: string, role: "member" | "viewer" = "member") =>
    (
      await appRouter
        .createCaller(createContext({ deps, caller: session(u), teamSlug: slug }))
        .apiKeys.create({ name: `ci-${role}`, role })
    ).key;
  // maxRetries 0: a test sees the first answer, not the SDK's retries.
  const sdk = (apiKey: string) => new OpenAI({ apiKey, baseURL: server.baseURL, maxRetries: 0 });
  client = sdk(await keyOf(alice, teamA.slug));
  viewer = sdk(await keyOf(alice, teamA.slug, "viewer"));
  other = sdk(await keyOf(bob, teamB.slug));
}, 60_000);

afterAll(async () => {
  await server?.close();
  await inferenceQueue?.obliterate({ force: true }).catch(() => undefined);
  await inferenceQueue?.close();
  await deps?.trainingQueue.obliterate({ force: true }).catch(() => undefined);
  await deps?.trainingQueue.close();
  deps?.redis.disconnect();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The error the SDK threw, as OpenAI's shape. */
async function apiError(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) {
      // err.message is the SDK's "<status> <message>"; the body's own message is err.error.message
      const message = (err.error as { message?: string } | undefined)?.message ?? err.message;
      return { status: err.status, type: err.type, param: err.param, code: err.code, message, err };
    }
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("files", () => {
  it("uploads a fine-tune file as a dataset version, lists, retrieves, reads and deletes it", async () => {
    const text = chatJsonl(24);
    const f = await client.files.create({ file: await file(text), purpose: "fine-tune" });
    expect(f).toMatchObject({ object: "file", purpose: "fine-tune", filename: "train.jsonl", status: "processed" });
    expect(f.id).toMatch(/^file-/);
    expect(f.bytes).toBe(Buffer.byteLength(text));
    const version = await db.prisma.datasetVersion.findUniqueOrThrow({
      where: { id: f.id.slice(5) },
      include: { dataset: true },
    });
    expect(version).toMatchObject({ format: "chat", rowCount: 24, container: "jsonl" });
    expect(version.dataset).toMatchObject({ teamId: teamA.id, name: "train.jsonl" });

    // the same name again: a dataset of its own, so the file can be deleted alone
    const again = await client.files.create({ file: await file(text), purpose: "fine-tune" });
    const v2 = await db.prisma.datasetVersion.findUniqueOrThrow({
      where: { id: again.id.slice(5) },
      include: { dataset: true },
    });
    expect(v2.dataset.name).toBe("train.jsonl (2)");

    expect(await client.files.retrieve(f.id)).toEqual(f);
    const listed = [];
    for await (const x of client.files.list({ purpose: "fine-tune" })) listed.push(x.id);
    expect(listed).toEqual([again.id, f.id]);
    const page = await client.files.list({ limit: 1 });
    expect(page.data.map((x) => x.id)).toEqual([again.id]);
    expect(page.has_more).toBe(true);
    expect((await client.files.list({ limit: 1, after: again.id })).data.map((x) => x.id)).toEqual([f.id]);

    expect(await (await client.files.content(f.id)).text()).toBe(text);
    expect(await client.files.delete(again.id)).toEqual({ id: again.id, object: "file", deleted: true });
    expect(await db.prisma.datasetVersion.count({ where: { id: again.id.slice(5) } })).toBe(0);
    expect((await apiError(client.files.retrieve(again.id))).status).toBe(404);
  });

  it("refuses a purpose other than fine-tune, before or after the file part, and keeps nothing", async () => {
    const before = await db.prisma.datasetVersion.count();
    // the Node SDK sends the file part first, `purpose` after it
    const e = await apiError(client.files.create({ file: await file(chatJsonl(3), "a.jsonl"), purpose: "assistants" }));
    expect(e).toMatchObject({ status: 400, type: "invalid_request_error", param: "purpose", code: "invalid_value" });
    expect(e.message).toContain("fine-tune");
    // purpose first (as the Python SDK sends it): refused before the file is read
    const form = new FormData();
    form.append("purpose", "batch");
    form.append("file", new Blob([chatJsonl(3)]), "b.jsonl");
    const res = await fetch(`${server.baseURL}/files`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${client.apiKey}` },
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: expect.stringContaining("'batch' is not supported"),
        type: "invalid_request_error",
        param: "purpose",
        code: "invalid_value",
      },
    });
    expect(await db.prisma.datasetVersion.count()).toBe(before);
  });

  it("validates the file line by line, naming the line, as OpenAI does", async () => {
    const bad =
      chatJsonl(2) + JSON.stringify({ messages: [{ role: "user", content: "no answer" }] }) + "\n" + chatJsonl(2);
    const e = await apiError(client.files.create({ file: await file(bad, "bad.jsonl"), purpose: "fine-tune" }));
    expect(e).toMatchObject({ status: 400, type: "invalid_request_error", param: "file", code: "invalid_file" });
    expect(e.message).toMatch(/line 3/);
    expect(e.message).toContain("assistant");
    const csv = await apiError(
      client.files.create({ file: await file("text,label\na,b\n", "x.csv"), purpose: "fine-tune" }),
    );
    expect(csv).toMatchObject({ status: 400, param: "file", code: "invalid_file_format" });
  });
});

describe("fine-tuning jobs", () => {
  it("creates a supervised job with 'auto' resolved to the product's defaults, lists, filters and retrieves it", async () => {
    const f = await client.files.create({ file: await file(chatJsonl(30), "support.jsonl"), purpose: "fine-tune" });
    const job = await client.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: f.id,
      suffix: "support-v1",
      seed: 7,
      metadata: { team: "support", run: "1" },
      method: {
        type: "supervised",
        supervised: { hyperparameters: { n_epochs: 2, batch_size: "auto", learning_rate_multiplier: 0.5 } },
      },
    });
    expect(job).toMatchObject({
      object: "fine_tuning.job",
      model: "tiny-llama",
      training_file: f.id,
      validation_file: null,
      status: "queued",
      seed: 7,
      fine_tuned_model: null,
      error: null,
      result_files: [],
      trained_tokens: null,
      metadata: { team: "support", run: "1" },
      hyperparameters: { n_epochs: 2, batch_size: 8, learning_rate_multiplier: 0.5 },
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 2, batch_size: 8 } } },
      organization_id: "team-a",
    });
    expect(job.id).toMatch(/^ftjob-/);
    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id.slice(6) } });
    expect(row).toMatchObject({ technique: "sft", method: "lora", suffix: "support-v1", seed: 7 });
    const hp = row.hyperparameters as Record<string, number>;
    expect(hp).toMatchObject({ epochs: 2, batchSize: 8, learningRate: 1e-4, seed: 7, maxSeqLength: 256 });
    // a checkpoint (and an evaluation) at the end of each epoch, as OpenAI keeps them: 30 rows → 24 trained → 3 steps
    expect(hp).toMatchObject({ checkpointEverySteps: 3, evalEverySteps: 3, logEverySteps: 3 });

    const second = await client.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id });
    expect(second.hyperparameters).toEqual({ n_epochs: 3, batch_size: 8, learning_rate_multiplier: 1 });
    expect(await client.fineTuning.jobs.retrieve(job.id)).toMatchObject({ id: job.id, status: "queued" });
    const all = [];
    for await (const j of client.fineTuning.jobs.list({ limit: 1 })) all.push(j.id);
    expect(all).toEqual([second.id, job.id]);
    const filtered = await client.fineTuning.jobs.list({ metadata: { team: "support" } });
    expect(filtered.data.map((j) => j.id)).toEqual([job.id]);
    expect((await client.fineTuning.jobs.list({ metadata: { team: "nobody" } })).data).toEqual([]);
    // another team sees none of it
    expect((await other.fineTuning.jobs.list()).data).toEqual([]);
    expect((await apiError(other.fineTuning.jobs.retrieve(job.id))).status).toBe(404);
  });

  it("takes a validation_file: validated on in full (no split of training_file), read back, in the payload", async () => {
    const f = await client.files.create({ file: await file(chatJsonl(30), "v-train.jsonl"), purpose: "fine-tune" });
    const v = await client.files.create({ file: await file(chatJsonl(6, 5), "v-valid.jsonl"), purpose: "fine-tune" });
    const job = await client.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: f.id,
      validation_file: v.id,
    });
    expect(job).toMatchObject({ training_file: f.id, validation_file: v.id, status: "queued" });
    expect(await client.fineTuning.jobs.retrieve(job.id)).toMatchObject({ validation_file: v.id });
    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id.slice(6) } });
    expect(row.validationSetId).toBe(v.id.slice(5));
    // an epoch is every row but the test split: 30 → 27 trained → 4 steps (no validation share held out)
    expect(row.hyperparameters).toMatchObject({ checkpointEverySteps: 4, evalEverySteps: 4 });
    const queued = await deps.trainingQueue.getJob(row.id);
    expect(queued?.data).toMatchObject({
      datasets: [{ datasetVersionId: f.id.slice(5) }],
      validationDatasets: [{ datasetVersionId: v.id.slice(5), name: "v-valid.jsonl", rows: 6 }],
    });

    // another team's file does not exist for this key; a file of another format; the training file itself
    const foreign = await other.files.create({ file: await file(chatJsonl(6)), purpose: "fine-tune" });
    const bad = (validation_file: string) =>
      apiError(client.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id, validation_file }));
    expect(await bad(foreign.id)).toMatchObject({
      status: 400,
      param: "validation_file",
      code: "invalid_validation_file",
      message: `invalid validation_file: ${foreign.id}`,
    });
    const text = await client.files.create({
      file: await file('{"text": "a tent for two"}\n{"text": "boots"}\n', "t.jsonl"),
      purpose: "fine-tune",
    });
    const format = await bad(text.id);
    expect(format).toMatchObject({ status: 400, param: "validation_file" });
    expect(format.message).toMatch(/is in format "text"; technique "sft" needs one of/);
    expect(await bad(f.id)).toMatchObject({ status: 400, param: "validation_file" });
  });

  it("creates a DPO job on a file of OpenAI preference rows: technique preference, beta mapped ('auto' = 0.1)", async () => {
    const rows = chatJsonl(30, 3)
      .trim()
      .split("\n")
      .map((l, i) => {
        const m = (JSON.parse(l) as { messages: { role: string; content: string }[] }).messages;
        return JSON.stringify({
          input: { messages: m.slice(0, 2) },
          preferred_output: [m[2]],
          non_preferred_output: [{ role: "assistant", content: `I cannot help with question ${i}.` }],
        });
      });
    const f = await client.files.create({ file: await file(rows.join("\n"), "prefs.jsonl"), purpose: "fine-tune" });
    const version = await db.prisma.datasetVersion.findUniqueOrThrow({ where: { id: f.id.slice(5) } });
    expect(version).toMatchObject({ format: "preference", rowCount: 30 });

    const job = await client.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: f.id,
      method: { type: "dpo", dpo: { hyperparameters: { beta: 0.25, n_epochs: 2 } } },
    });
    expect(job.method).toMatchObject({
      type: "dpo",
      dpo: { hyperparameters: { beta: 0.25, n_epochs: 2, batch_size: 8, learning_rate_multiplier: 1 } },
    });
    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id.slice(6) } });
    expect(row).toMatchObject({ technique: "preference", method: "lora" });
    expect(row.hyperparameters).toMatchObject({ beta: 0.25, epochs: 2 });
    // the payload a runner gets carries the same beta
    const queued = await deps.trainingQueue.getJob(row.id);
    expect(queued?.data).toMatchObject({ technique: "preference", hyperparameters: { beta: 0.25 } });

    const auto = await client.fineTuning.jobs.create({
      model: "tiny-llama",
      training_file: f.id,
      method: { type: "dpo", dpo: { hyperparameters: { beta: "auto" } } },
    });
    expect((auto.method as { dpo: { hyperparameters: { beta: number } } }).dpo.hyperparameters.beta).toBe(0.1);
    const bad = await apiError(
      client.fineTuning.jobs.create({
        model: "tiny-llama",
        training_file: f.id,
        method: { type: "dpo", dpo: { hyperparameters: { beta: 0 } } },
      }),
    );
    expect(bad).toMatchObject({ status: 400, param: "method.dpo.hyperparameters.beta" });
    // a preference file is not supervised data
    const sup = await apiError(client.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id }));
    expect(sup).toMatchObject({ status: 400, param: "training_file", code: "invalid_training_file" });
    expect(sup.message).toContain("train on it with method.type 'dpo'");
  });

  it("pauses a queued job at once, resumes it through admission, and cancels it", async () => {
    const f = await client.files.create({ file: await file(chatJsonl(24), "p.jsonl"), purpose: "fine-tune" });
    const job = await client.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id });
    const paused = await client.fineTuning.jobs.pause(job.id);
    expect(paused.status).toBe("paused");
    expect(await deps.trainingQueue.getJob(job.id.slice(6))).toBeUndefined(); // no runner will take it
    expect((await client.fineTuning.jobs.pause(job.id)).status).toBe("paused"); // idempotent
    const resumed = await client.fineTuning.jobs.resume(job.id);
    expect(resumed.status).toBe("queued");
    expect(await deps.trainingQueue.getJob(job.id.slice(6))).toBeDefined();
    const states = (await client.fineTuning.jobs.listEvents(job.id)).data.map((e) => e.data as { state?: string });
    expect(states.map((d) => d.state).filter(Boolean)).toEqual(["queued", "pending_quota", "paused", "queued"]);
    const cancelled = await client.fineTuning.jobs.cancel(job.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finished_at).toEqual(expect.any(Number));
  });

  it("answers every refusal in OpenAI's error shape with the right status", async () => {
    const f = await client.files.create({ file: await file(chatJsonl(24), "e.jsonl"), purpose: "fine-tune" });
    // a job on another team's file: the file does not exist for this key
    const foreign = await apiError(other.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id }));
    expect(foreign).toMatchObject({
      status: 400,
      type: "invalid_request_error",
      param: "training_file",
      code: "invalid_training_file",
    });
    expect(foreign.message).toBe(`invalid training_file: ${f.id}`);
    // DPO on a file that holds no preference pairs: the file is named, and what it should hold
    const dpo = await apiError(
      client.fineTuning.jobs.create({
        model: "tiny-llama",
        training_file: f.id,
        method: { type: "dpo", dpo: { hyperparameters: { beta: 0.1 } } },
      }),
    );
    expect(dpo).toMatchObject({ status: 400, param: "training_file", code: "invalid_training_file" });
    expect(dpo.message).toBe(
      `method.type 'dpo' needs a file of preference pairs (rows with "input", "preferred_output" and ` +
        `"non_preferred_output", or "prompt", "chosen" and "rejected"); ${f.id} is chat`,
    );
    // pausing a finished job
    const done = await client.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id });
    await db.prisma.fineTuneJob.update({
      where: { id: done.id.slice(6) },
      data: { state: "succeeded", finishedAt: new Date() },
    });
    const pause = await apiError(client.fineTuning.jobs.pause(done.id));
    expect(pause).toMatchObject({ status: 400, type: "invalid_request_error", code: "invalid_state" });
    expect(pause.message).toContain("is succeeded; only a job that is queued or running can be paused");
    expect((await apiError(client.fineTuning.jobs.resume(done.id))).code).toBe("invalid_state");
    expect((await apiError(client.fineTuning.jobs.cancel(done.id))).status).toBe(400);
    // unknown model, bad hyperparameter, unknown job, bad key, viewer key, wrong URL
    expect(await apiError(client.fineTuning.jobs.create({ model: "gpt-4o-mini", training_file: f.id }))).toMatchObject({
      status: 400,
      param: "model",
      code: "model_not_available",
    });
    const epochs = await apiError(
      client.fineTuning.jobs.create({
        model: "tiny-llama",
        training_file: f.id,
        method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 1000 } } },
      }),
    );
    expect(epochs).toMatchObject({ status: 400, param: "method.supervised.hyperparameters.n_epochs" });
    expect(await apiError(client.fineTuning.jobs.create({ model: "tiny-llama" } as never))).toMatchObject({
      status: 400,
      param: "training_file",
      code: "missing_required_parameter",
    });
    expect(await apiError(client.fineTuning.jobs.retrieve("ftjob-nope"))).toMatchObject({
      status: 404,
      type: "invalid_request_error",
    });
    const bad = new OpenAI({ apiKey: "wst_not-a-real-key-000000000000", baseURL: server.baseURL, maxRetries: 0 });
    const unauth = await apiError(bad.models.list());
    expect(unauth).toMatchObject({ status: 401, type: "invalid_request_error", code: "invalid_api_key" });
    expect(unauth.err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await apiError(viewer.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id }))).toMatchObject({
      status: 403,
      code: "insufficient_permissions",
    });
    const wrong = await fetch(`${server.baseURL}/assistants`, {
      headers: { authorization: `Bearer ${client.apiKey}` },
    });
    expect(wrong.status).toBe(404);
    expect(await wrong.json()).toEqual({
      error: { message: "Invalid URL (GET /v1/assistants)", type: "invalid_request_error", param: null, code: null },
    });
  });
});

describe("checkpoint models", () => {
  it("lists, retrieves and serves a checkpoint (its folder on the job's base), in the team's scope only", async () => {
    const f = await client.files.create({ file: await file(chatJsonl(24), "ck.jsonl"), purpose: "fine-tune" });
    const job = await client.fineTuning.jobs.create({ model: "tiny-llama", training_file: f.id, suffix: "ck" });
    const id = job.id.slice(6);
    await db.prisma.fineTuneJob.update({ where: { id }, data: { state: "running", startedAt: new Date() } });
    await db.prisma.checkpoint.createMany({
      data: [3, 6].map((step) => ({ jobId: id, step, key: `jobs/${id}/checkpoints/step-${step}/`, bytes: 10n })),
    });
    const checkpoints = (await client.fineTuning.jobs.checkpoints.list(job.id)).data;
    const name = checkpoints.find((c) => c.step_number === 3)!.fine_tuned_model_checkpoint;
    expect(name).toBe(`ft:tiny-llama:team-a:ck:${id}:ckpt-step-3`);

    expect((await client.models.list()).data.map((m) => m.id)).toEqual(
      expect.arrayContaining([name, name.replace(/3$/, "6")]),
    );
    expect(await client.models.retrieve(name)).toMatchObject({ id: name, object: "model", owned_by: "team-a" });
    // no runner here: the request waits on the queue (read it there), then the API gives up (504)
    const answer = apiError(
      client.chat.completions.create({ model: name, messages: [{ role: "user", content: "tent?" }], max_tokens: 4 }),
    );
    let queued: { model: { label: string; ref: Record<string, unknown> } }[] = [];
    for (let i = 0; i < 50 && !queued.some((d) => d.model.label === name); i++) {
      await new Promise((r) => setTimeout(r, 20));
      queued = (await inferenceQueue.getJobs(["waiting", "prioritized", "delayed"])).map(
        (j) => j.data as { model: { label: string; ref: Record<string, unknown> } },
      );
    }
    expect((await answer).status).toBe(504);
    const payload = queued.find((d) => d.model.label === name);
    expect(payload?.model.ref).toMatchObject({
      name,
      source: "artifact",
      ref: `jobs/${id}/checkpoints/step-3/`,
      artifactKind: "adapter",
      parent: { name: "tiny-llama", source: "local" },
    });

    // another team, a step with no checkpoint, a name that is not exactly the job's: the model does not exist
    for (const [who, model] of [
      [other, name],
      [client, name.replace(/3$/, "4")],
      [client, name.replace(":ck:", ":other:")],
    ] as const) {
      expect(await apiError(who.models.retrieve(model))).toMatchObject({ status: 404, code: "model_not_found" });
      const chat = await apiError(who.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }));
      expect(chat).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    }
    expect((await other.models.list()).data.map((m) => m.id)).not.toContain(name);
    // fine-tuning from a checkpoint is not offered
    expect(await apiError(client.fineTuning.jobs.create({ model: name, training_file: f.id }))).toMatchObject({
      status: 400,
      param: "model",
      code: "model_not_available",
    });
  });
});

describe("models", () => {
  it("refuses a key on the request after its revocation, though it was just used (the API-key cache)", async () => {
    const alice = await db.prisma.user.findUniqueOrThrow({ where: { email: "alice@a.test" } });
    const owner = appRouter.createCaller(createContext({ deps, caller: session(alice), teamSlug: teamA.slug }));
    const created = await owner.apiKeys.create({ name: "to-revoke", role: "member" });
    const sdk = new OpenAI({ apiKey: created.key, baseURL: server.baseURL, maxRetries: 0 });
    for (let i = 0; i < 3; i++) expect((await sdk.models.list()).data.length).toBeGreaterThan(0);
    await owner.apiKeys.revoke({ id: created.id });
    expect(await apiError(sdk.models.list())).toMatchObject({ status: 401, code: "invalid_api_key" });
  });

  it("lists and retrieves the team's base models, and answers an unknown one with model_not_found", async () => {
    const list = await client.models.list();
    expect(list.data).toContainEqual(
      expect.objectContaining({ id: "tiny-llama", object: "model", owned_by: "whetstone" }),
    );
    expect(await client.models.retrieve("tiny-llama")).toMatchObject({ id: "tiny-llama", object: "model" });
    const e = await apiError(client.models.retrieve("ft:tiny-llama:team-a::nope"));
    expect(e).toMatchObject({ status: 404, code: "model_not_found" });
    const chat = await apiError(
      client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "hi" }] }),
    );
    expect(chat).toMatchObject({ status: 404, code: "model_not_found", param: "model" });
    const n = await apiError(
      client.chat.completions.create({ model: "tiny-llama", n: 2, messages: [{ role: "user", content: "hi" }] }),
    );
    expect(n).toMatchObject({ status: 400, param: "n" });
    const temp = await apiError(
      client.chat.completions.create({
        model: "tiny-llama",
        temperature: 7,
        messages: [{ role: "user", content: "hi" }],
      }),
    );
    expect(temp).toMatchObject({ status: 400, param: "temperature" });
  });
});
