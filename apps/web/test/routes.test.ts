/**
 * apps/web's hand-written HTTP routes, called as route handlers with `new Request(...)` against real
 * PostgreSQL, Redis and a local storage directory: REST auth (API keys only), dataset uploads (status and
 * error shape), the job SSE stream (team scope, forwarding, cleanup) and artifact downloads.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { jobUpdatesChannel } from "@whetstone/queue";
import { LocalStorage } from "@whetstone/storage";
import { resolveCaller } from "../src/server/caller";
import { handleArtifactDownload } from "../src/server/routes/artifact-download";
import { handleJobStream } from "../src/server/routes/job-stream";
import { handleRest, handleTrpc } from "../src/server/routes/trpc";
import { handleUpload, uploadParamsFromUrl } from "../src/server/routes/upload";

let db: TestDatabase;
let deps: ApiDeps;
let dir: string;
let queue: Queue;
const subscribers: Redis[] = [];

let alice: { id: string };
let bob: { id: string };
let viewer: { id: string };
let teamA: { id: string; slug: string };
let teamB: { id: string; slug: string };
let keyA: string;
let jobA: string;
let jobB: string;
let artifactA: { id: string; body: Buffer };

const session = (u: { id: string }): Caller => ({ kind: "session", userId: u.id, isAdmin: false });
const noSession = async () => null;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-web-test-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  queue = new Queue(`training-web-test-${randomBytes(4).toString("hex")}`, {
    connection: redis,
    prefix: `wst-web-test`,
  });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue: queue,
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: 1024 * 1024 },
  };
  const p = db.prisma;

  alice = await p.user.create({ data: { email: "alice@a.test" } });
  bob = await p.user.create({ data: { email: "bob@b.test" } });
  viewer = await p.user.create({ data: { email: "vera@a.test" } });
  teamA = await p.team.create({
    data: {
      slug: "team-a",
      name: "Team A",
      memberships: {
        create: [
          { userId: alice.id, role: "owner" },
          { userId: viewer.id, role: "viewer" },
        ],
      },
    },
  });
  teamB = await p.team.create({
    data: { slug: "team-b", name: "Team B", memberships: { create: { userId: bob.id, role: "owner" } } },
  });

  const key = await appRouter
    .createCaller(createContext({ deps, caller: session(alice), teamSlug: teamA.slug }))
    .apiKeys.create({ name: "ci" });
  keyA = key.key;

  const model = await p.baseModel.create({ data: { name: "tiny", source: "local", ref: "/models/tiny" } });
  const mkJob = (teamId: string) =>
    p.fineTuneJob.create({
      data: {
        teamId,
        name: "j",
        baseModelId: model.id,
        technique: "sft",
        method: "lora",
        hyperparameters: {},
        validationSplit: 0.1,
        seed: 1,
        state: "running",
      },
    });
  jobA = (await mkJob(teamA.id)).id;
  jobB = (await mkJob(teamB.id)).id;
  const body = Buffer.from("adapter-bytes-".repeat(1000));
  await deps.storage.put(`jobs/${jobA}/adapter_model.safetensors`, Readable.from([body]));
  const art = await p.artifact.create({
    data: {
      jobId: jobA,
      kind: "adapter",
      name: "adapter_model.safetensors",
      key: `jobs/${jobA}/adapter_model.safetensors`,
      bytes: BigInt(body.length),
      sha256: "ab".repeat(32),
    },
  });
  artifactA = { id: art.id, body };
});

afterAll(async () => {
  for (const s of subscribers) s.disconnect();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  deps?.redis.disconnect();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("REST /api/v1", () => {
  const rest = (path: string, headers: Record<string, string> = {}) =>
    handleRest(new Request(`http://localhost/api/v1${path}`, { headers }), deps);

  it("answers an API key with its own team only", async () => {
    const res = await rest("/teams", { authorization: `Bearer ${keyA}` });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { slug: string }[]).map((t) => t.slug)).toEqual(["team-a"]);
  });

  it("refuses a request without a key, even from a signed-in dashboard (no session auth on REST)", async () => {
    expect((await rest("/teams")).status).toBe(401);
    expect((await rest("/teams", { authorization: "Bearer wst_notarealkeynotarealkeynotarealkey00" })).status).toBe(
      401,
    );
  });

  it("hides another team's job behind 404", async () => {
    const res = await rest(`/jobs/${jobB}`, { authorization: `Bearer ${keyA}` });
    expect(res.status).toBe(404);
  });
});

describe("tRPC /api/trpc", () => {
  it("uses the session and the x-whetstone-team header; another team's slug is 404", async () => {
    const call = (slug: string) =>
      handleTrpc(
        new Request("http://localhost/api/trpc/teams.current", { headers: { "x-whetstone-team": slug } }),
        deps,
        async () => alice.id,
      );
    const ok = await call("team-a");
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain("Team A");
    expect((await call("team-b")).status).toBe(404);
  });

  it("refuses a bad API key instead of falling back to the session cookie", async () => {
    const req = new Request("http://localhost/api/trpc/teams.listMine", {
      headers: { authorization: "Bearer wst_bad" },
    });
    const res = await handleTrpc(req, deps, async () => alice.id);
    expect(res.status).toBe(401);
    expect(await resolveCaller(req, deps, async () => alice.id)).toBeNull();
  });
});

describe("dataset upload", () => {
  const upload = (
    caller: Caller | null,
    query: string,
    body: BodyInit | null,
    headers: Record<string, string> = {},
  ) => {
    const req = new Request(`http://localhost/api/uploads?${query}`, {
      method: "POST",
      body,
      headers,
      duplex: "half",
    } as RequestInit);
    return handleUpload(req, deps, caller, uploadParamsFromUrl(req, null));
  };
  const errorOf = async (res: Response) =>
    ((await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } }).error;

  it("asks for a session or a key", async () => {
    const res = await upload(null, "team=team-a&name=x", "{}");
    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("UNAUTHORIZED");
  });

  it("answers 404 for a team the user is not a member of, 403 for a viewer", async () => {
    expect((await upload(session(bob), "team=team-a&name=x", "{}")).status).toBe(404);
    const res = await upload(session(viewer), "team=team-a&name=x", "{}");
    expect(res.status).toBe(403);
  });

  it("refuses a declared size over the limit with 413 before reading the body", async () => {
    const res = await upload(session(alice), "team=team-a&name=big&filename=big.jsonl", "x", {
      "content-length": String(5 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    const e = await errorOf(res);
    expect(e.code).toBe("PAYLOAD_TOO_LARGE");
    expect(e.details).toMatchObject({ limit: 1024 * 1024 });
  });

  it("names the field of an unknown declared format", async () => {
    const res = await upload(session(alice), "team=team-a&name=x&format=parquet", "{}");
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details).toMatchObject({ field: "format" });
  });

  it("stores a good file as a new version and answers 201; a re-upload is version 2", async () => {
    const rows = [
      { prompt: "What is the dose?", completion: "5 mg twice a day." },
      { prompt: "Any interactions?", completion: "Avoid with warfarin." },
    ];
    const file = rows.map((r) => JSON.stringify(r)).join("\n") + "\n";
    const first = await upload(session(alice), "team=team-a&name=dosing&filename=dosing.jsonl", file);
    expect(first.status).toBe(201);
    const v1 = (await first.json()) as {
      id: string;
      version: number;
      rowCount: number;
      format: string;
      bytes: number;
      datasetId: string;
    };
    expect(v1).toMatchObject({ version: 1, rowCount: 2, format: "prompt_completion", bytes: Buffer.byteLength(file) });
    const second = await handleUpload(
      new Request(`http://localhost/api/v1/datasets/dosing/versions?filename=dosing.jsonl`, {
        method: "POST",
        body: file,
        headers: { authorization: `Bearer ${keyA}` },
      }),
      deps,
      await resolveCaller(
        new Request("http://localhost", { headers: { authorization: `Bearer ${keyA}` } }),
        deps,
        noSession,
      ),
      { datasetName: "dosing", filename: "dosing.jsonl", description: null, declaredFormat: null, teamSlug: null },
    );
    expect(second.status).toBe(201);
    expect(((await second.json()) as { version: number; datasetId: string }).datasetId).toBe(v1.datasetId);
  });

  it("reports a bad row with its line and field, and keeps nothing", async () => {
    const file = `{"prompt":"a","completion":"b"}\n{"prompt":"c","completion":"d"}\n{"prompt":"e"}\n`;
    const res = await upload(session(alice), "team=team-a&name=broken&filename=broken.jsonl", file);
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.details.line).toBe(3);
    expect(String(e.details.field)).toContain("completion");
    expect(await db.prisma.dataset.findFirst({ where: { teamId: teamA.id, name: "broken" } })).toBeNull();
  });
});

describe("job SSE stream", () => {
  const subscriber = () => {
    const s = new Redis({ host: "127.0.0.1", port: 6379, lazyConnect: true, maxRetriesPerRequest: null });
    subscribers.push(s);
    return s;
  };

  it("answers 404 for another team's job and 401 without a caller", async () => {
    const req = new Request(`http://localhost/api/jobs/${jobB}/stream`);
    expect((await handleJobStream(req, deps, session(alice), jobB, subscriber)).status).toBe(404);
    expect((await handleJobStream(req, deps, null, jobB, subscriber)).status).toBe(401);
  });

  it("forwards a Redis publish as an SSE event, sends heartbeats, and unsubscribes on disconnect", async () => {
    const ac = new AbortController();
    const sub = subscriber();
    const res = await handleJobStream(
      new Request(`http://localhost/api/jobs/${jobA}/stream`, { signal: ac.signal }),
      deps,
      session(alice),
      jobA,
      () => sub,
      50,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 5000;
      while (!text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${needle}; got ${text}`);
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value);
      }
    };
    await readUntil("event: ready");
    await deps.redis.publish(jobUpdatesChannel(jobA), JSON.stringify({ type: "metric", step: 10 }));
    await readUntil('"step":10');
    expect(text).toContain('event: update\ndata: {"type":"metric","step":10}\n\n');
    await readUntil(": heartbeat");

    ac.abort();
    await expect
      .poll(async () => (await deps.redis.pubsub("NUMSUB", jobUpdatesChannel(jobA)))[1], { timeout: 3000 })
      .toBe(0);
    await expect.poll(() => sub.status, { timeout: 3000 }).not.toBe("ready");
  });
});

describe("artifact download", () => {
  it("streams the file with its length and a download name", async () => {
    const res = await handleArtifactDownload(deps, session(alice), jobA, artifactA.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(artifactA.body.length));
    expect(res.headers.get("content-disposition")).toContain('filename="adapter_model.safetensors"');
    expect(Buffer.from(await res.arrayBuffer()).equals(artifactA.body)).toBe(true);
  });

  it("is 404 for a member of another team, and for an artifact id under the wrong job", async () => {
    expect((await handleArtifactDownload(deps, session(bob), jobA, artifactA.id)).status).toBe(404);
    expect((await handleArtifactDownload(deps, session(alice), jobB, artifactA.id)).status).toBe(404);
  });
});
