/**
 * The generate routes (REST and the playground's), called as route handlers against real PostgreSQL and Redis,
 * with a stand-in runner that writes the request's stream the way the real one does.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, generationStreamKey, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { generationJobPayloadSchema } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { callerFromApiKey } from "../src/server/caller";
import { generateOpenApiPath, handleGenerate, type GenerateRouteDeps } from "../src/server/routes/generate";
import { openApiDocument } from "../src/server/routes/openapi";

let db: TestDatabase;
let deps: ApiDeps;
let dir: string;
let inferenceQueue: Queue;
let gen: GenerateRouteDeps;
const keys: string[] = [];

let alice: { id: string };
let teamA: { id: string; slug: string };
let modelA: string;
let modelB: string;
let sharedModel: string;
let keyA: string;

const session = (u: { id: string }): Caller => ({ kind: "session", userId: u.id, isAdmin: false });

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-web-gen-test-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  const id = randomBytes(4).toString("hex");
  inferenceQueue = new Queue(`inference-web-test-${id}`, { connection: redis, prefix: `wst-web-test-${id}` });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue: new Queue(`training-web-test-${id}`, { connection: redis, prefix: `wst-web-test-${id}` }),
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: 1024 },
  };
  gen = {
    inferenceQueue,
    createReader: () => new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null }),
    firstEntryTimeoutMs: 1500,
    heartbeatMs: 200,
  };
  const p = db.prisma;
  alice = await p.user.create({ data: { email: "alice@a.test" } });
  const bob = await p.user.create({ data: { email: "bob@b.test" } });
  teamA = await p.team.create({
    data: { slug: "team-a", name: "Team A", memberships: { create: { userId: alice.id, role: "owner" } } },
  });
  const teamB = await p.team.create({
    data: { slug: "team-b", name: "Team B", memberships: { create: { userId: bob.id, role: "owner" } } },
  });
  sharedModel = (await p.baseModel.create({ data: { name: "tiny", source: "local", ref: "/models/tiny" } })).id;
  modelA = (await p.baseModel.create({ data: { teamId: teamA.id, name: "a-model", source: "local", ref: "/m/a" } })).id;
  modelB = (await p.baseModel.create({ data: { teamId: teamB.id, name: "b-model", source: "local", ref: "/m/b" } })).id;
  const key = await appRouter
    .createCaller(createContext({ deps, caller: session(alice), teamSlug: teamA.slug }))
    .apiKeys.create({ name: "ci" });
  keyA = key.key;
});

afterAll(async () => {
  if (keys.length) await deps.redis.del(...keys);
  await inferenceQueue?.obliterate({ force: true }).catch(() => undefined);
  await inferenceQueue?.close();
  await deps?.trainingQueue.close();
  deps?.redis.disconnect();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const BODY = { messages: [{ role: "user", content: "hello" }], sampling: { temperature: 0, maxNewTokens: 8 } };

function post(body: unknown, headers: Record<string, string> = {}) {
  return new Request("http://localhost/api/v1/models/x/generate", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The stand-in runner: takes the next waiting request and writes its stream. */
async function answer(entries: object[]): Promise<string> {
  let job;
  for (let i = 0; i < 100 && !job; i++) {
    job = (await inferenceQueue.getWaiting())[0];
    if (!job) await new Promise((r) => setTimeout(r, 20));
  }
  if (!job) throw new Error("no request was enqueued");
  await job.remove();
  const payload = generationJobPayloadSchema.parse(job.data);
  const key = generationStreamKey(payload.jobId);
  keys.push(key);
  for (const e of entries) await deps.redis.xadd(key, "*", "data", JSON.stringify(e));
  return payload.jobId;
}

const ENTRIES = [
  { type: "start", model: "a-model", runner: "gpu-1" },
  { type: "token", text: "Hi" },
  { type: "token", text: " there" },
  {
    type: "done",
    finishReason: "stop",
    usage: { promptTokens: 5, completionTokens: 2 },
    ttftMs: 12.5,
    tokensPerSecond: 40,
  },
];

describe("generate route", () => {
  it("asks for a key or a session, and hides another team's model behind 404", async () => {
    expect((await handleGenerate(post(BODY), deps, null, modelA, null, gen)).status).toBe(401);
    const req = post(BODY, { authorization: `Bearer ${keyA}` });
    const caller = await callerFromApiKey(req, deps);
    const other = await handleGenerate(req, deps, caller, modelB, null, gen);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
    // A session must name its team; a team the user is not in is 404.
    expect((await handleGenerate(post(BODY), deps, session(alice), modelA, null, gen)).status).toBe(400);
    expect((await handleGenerate(post(BODY), deps, session(alice), modelA, "team-b", gen)).status).toBe(404);
    expect(await inferenceQueue.count()).toBe(0);
  });

  it("answers 400 naming the field of a bad body", async () => {
    const bad = await handleGenerate(
      post({ ...BODY, sampling: { topP: 2 } }),
      deps,
      session(alice),
      modelA,
      "team-a",
      gen,
    );
    expect(bad.status).toBe(400);
    const e = (await bad.json()) as { error: { message: string; details: { field: string } } };
    expect(e.error.details.field).toBe("sampling.topP");
    expect(e.error.message).toMatch(/^sampling\.topP: /);
    const notJson = await handleGenerate(post("{oops"), deps, session(alice), modelA, "team-a", gen);
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { details: { field: string } } }).error.details.field).toBe("body");
  });

  it("waits and answers one JSON object", async () => {
    const [res] = await Promise.all([
      handleGenerate(
        post(BODY, { authorization: `Bearer ${keyA}` }),
        deps,
        await callerFromApiKey(post(BODY, { authorization: `Bearer ${keyA}` }), deps),
        sharedModel,
        null,
        gen,
      ),
      answer(ENTRIES),
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      model: { id: sharedModel, name: "tiny" },
      task: "chat",
      text: "Hi there",
      finishReason: "stop",
      usage: { promptTokens: 5, completionTokens: 2 },
      probs: null,
      ttftMs: 12.5,
      tokensPerSecond: 40,
      runner: "gpu-1",
    });
  });

  it("streams the entries as server-sent events, ending after done", async () => {
    const res = await handleGenerate(post({ ...BODY, stream: true }), deps, session(alice), modelA, "team-a", gen);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const id = await answer(ENTRIES);
    expect(res.headers.get("x-request-id")).toBe(id);
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => [m[1], JSON.parse(m[2]!)]);
    expect(events.map((e) => e[0])).toEqual(["request", "start", "token", "token", "done"]);
    expect(events[0]![1]).toEqual({ id, model: { id: modelA, name: "a-model" }, task: "chat" });
    expect(events[2]![1]).toEqual({ type: "token", text: "Hi" });
  });

  it("tells a clear error when no runner answers: 504, or an error event on a stream", async () => {
    const res = await handleGenerate(post(BODY), deps, session(alice), modelA, "team-a", gen);
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no runner answered/);
    // The request nobody took is removed from the queue.
    expect(await inferenceQueue.count()).toBe(0);

    const s = await handleGenerate(post({ ...BODY, stream: true }), deps, session(alice), modelA, "team-a", gen);
    const text = await s.text();
    expect(text).toContain(": heartbeat");
    expect(text).toMatch(/event: error\ndata: \{"type":"error","code":"TIMEOUT","message":"no runner answered/);
  });

  it("forwards a runner error as 502", async () => {
    const [res] = await Promise.all([
      handleGenerate(post(BODY), deps, session(alice), modelA, "team-a", gen),
      answer([{ type: "error", message: "model weights not found" }]),
    ]);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("model weights not found");
  });

  it("is in the OpenAPI document with its request schema", () => {
    const doc = openApiDocument("http://localhost/api/v1") as {
      paths: Record<string, { post: { requestBody: unknown; responses: Record<string, unknown> } }>;
    };
    const served = doc.paths["/models/{id}/generate"]!.post;
    // the same request schema, with the API's rule on text (no NUL) on its strings
    const servedSchema = JSON.stringify(served.requestBody).replaceAll(',"pattern":"^[^\\\\u0000]*$"', "");
    expect(JSON.parse(servedSchema)).toEqual(generateOpenApiPath().post.requestBody);
    // its errors in the API's one shape
    expect(served.responses["502"]).toMatchObject({
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    });
    const op = generateOpenApiPath().post;
    expect(op.security).toEqual([{ bearerAuth: [] }]);
    const schema = op.requestBody.content["application/json"].schema as unknown as {
      required: string[];
      properties: { sampling: { properties: Record<string, unknown> } };
    };
    expect(schema.required).toEqual(["messages"]);
    expect(schema.properties.sampling.properties.temperature).toMatchObject({ minimum: 0, maximum: 2 });
  });
});
