/**
 * The REST API as other tools see it, through the handlers apps/web serves (real PostgreSQL, Redis, local storage):
 * one error shape for every error path, 405 with Allow for every route, operations without a body take requests
 * without one, creates answer 201, JSON bodies are held to the document (no coercion), text no store can keep is a
 * 400 naming its field, a job longer than its model's context is refused, downloads of artifacts and checkpoint
 * files are documented and carry their sha256.
 */
import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { appRouter, createContext, ERROR_SCHEMA, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { resolveCaller } from "../src/server/caller";
import { handleArtifactDownload, handleCheckpointFileDownload } from "../src/server/routes/artifact-download";
import { openApiDocument } from "../src/server/routes/openapi";
import { handleRest } from "../src/server/routes/rest";
import { answerMethodsNextCannotRoute } from "../src/server/unsupported-methods";

let db: TestDatabase;
let deps: ApiDeps;
let dir: string;
let queue: Queue;
let owner: { id: string };
let team: { id: string; slug: string };
let ownerKey: string;
let viewerKey: string;
let tiny: { id: string };
let chatVersion: { id: string };
let doneJob: string;
let artifact: { id: string; body: Buffer };
const checkpointFile = Buffer.from("optimizer-state-".repeat(500));
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

const errorBody = z.fromJSONSchema(ERROR_SCHEMA as unknown as Parameters<typeof z.fromJSONSchema>[0]);
const session = (u: { id: string }): Caller => ({ kind: "session", userId: u.id, isAdmin: false });

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-rest-contract-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  queue = new Queue(`training-rest-contract-${randomBytes(4).toString("hex")}`, {
    connection: redis,
    prefix: "wst-rest-contract",
  });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue: queue,
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: 1 << 20 },
  };
  const p = db.prisma;
  owner = await p.user.create({ data: { email: "owner@rest.test" } });
  const viewer = await p.user.create({ data: { email: "viewer@rest.test" } });
  team = await p.team.create({
    data: {
      slug: "rest",
      name: "Rest",
      memberships: {
        create: [
          { userId: owner.id, role: "owner" },
          { userId: viewer.id, role: "viewer" },
        ],
      },
    },
  });
  const asOwner = appRouter.createCaller(createContext({ deps, caller: session(owner), teamSlug: team.slug }));
  ownerKey = (await asOwner.apiKeys.create({ name: "owner" })).key;
  viewerKey = (await asOwner.apiKeys.create({ name: "viewer", role: "viewer" })).key;
  tiny = await p.baseModel.create({ data: { name: "tiny", source: "local", ref: "/models/tiny", contextLength: 256 } });
  const dataset = await p.dataset.create({ data: { teamId: team.id, name: "chat" } });
  chatVersion = await p.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      version: 1,
      blobKey: "datasets/x/chat.jsonl",
      filename: "chat.jsonl",
      container: "jsonl",
      format: "chat",
      rowCount: 10,
      bytes: 100n,
      sha256: "c".repeat(64),
      profile: {},
    },
  });
  const job = await p.fineTuneJob.create({
    data: {
      teamId: team.id,
      name: "done",
      baseModelId: tiny.id,
      technique: "sft",
      method: "lora",
      hyperparameters: {},
      validationSplit: 0.1,
      seed: 1,
      state: "succeeded",
    },
  });
  doneJob = job.id;
  const body = Buffer.from("adapter-".repeat(100));
  await deps.storage.put(`jobs/${doneJob}/artifacts/adapter/adapter_model.safetensors`, Readable.from([body]));
  const a = await p.artifact.create({
    data: {
      jobId: doneJob,
      kind: "adapter",
      name: "adapter_model.safetensors",
      key: `jobs/${doneJob}/artifacts/adapter/adapter_model.safetensors`,
      bytes: BigInt(body.length),
      sha256: sha(body),
    },
  });
  artifact = { id: a.id, body };
  await deps.storage.put(`jobs/${doneJob}/checkpoints/step-10/optimizer.pt`, Readable.from([checkpointFile]));
  await p.checkpoint.create({
    data: {
      jobId: doneJob,
      step: 10,
      key: `jobs/${doneJob}/checkpoints/step-10/`,
      bytes: BigInt(checkpointFile.length),
      files: [{ name: "optimizer.pt", bytes: checkpointFile.length, sha256: sha(checkpointFile) }],
    },
  });
});

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  deps?.redis.disconnect();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function rest(method: string, path: string, opts: { key?: string | null; body?: string; type?: string } = {}) {
  const headers = new Headers();
  const key = opts.key === undefined ? ownerKey : opts.key;
  if (key) headers.set("authorization", `Bearer ${key}`);
  if (opts.type) headers.set("content-type", opts.type);
  else if (opts.body !== undefined) headers.set("content-type", "application/json");
  return handleRest(new Request(`http://localhost/api/v1${path}`, { method, headers, body: opts.body }), deps);
}

async function expectError(res: Response, status: number, code: string) {
  expect(res.status, await res.clone().text()).toBe(status);
  const body = await res.json();
  expect(errorBody.safeParse(body).success, JSON.stringify(body)).toBe(true);
  expect((body as { error: { code: string } }).error.code).toBe(code);
  return (body as { error: { message: string; details: Record<string, unknown> } }).error;
}

const doc = openApiDocument("http://localhost/api/v1") as {
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
  components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
};

describe("one error shape", () => {
  it("is declared once in the document, and every error response of every operation refers to it", () => {
    expect(doc.components.schemas.Error).toEqual(ERROR_SCHEMA);
    expect(Object.keys(doc.components.schemas).filter((n) => n.startsWith("error."))).toEqual([]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.responses.default, `${method} ${path}`).toBeDefined();
        for (const [status, r] of Object.entries(op.responses)) {
          if (/^2/.test(status)) continue;
          const text = JSON.stringify(r);
          expect(
            text.includes("#/components/responses/") || text.includes("#/components/schemas/Error"),
            `${method} ${path} ${status}`,
          ).toBe(true);
        }
      }
    }
  });

  it("is produced for validation, auth, not found, 405, 412, 413, 415, unknown paths and 500", async () => {
    const invalid = await expectError(
      await rest("POST", "/jobs", { body: JSON.stringify({ technique: "sft", datasets: [] }) }),
      400,
      "BAD_REQUEST",
    );
    expect(invalid.details.field).toBe("baseModelId");
    expect(invalid.details.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: "datasets" }),
        expect.objectContaining({ field: "baseModelId" }),
      ]),
    );
    await expectError(await rest("GET", "/jobs", { key: null }), 401, "UNAUTHORIZED");
    await expectError(await rest("GET", "/jobs", { key: `wst_${"x".repeat(40)}` }), 401, "UNAUTHORIZED");
    // auth comes before the body's validation
    await expectError(await rest("POST", "/teams", { key: null, body: "{}" }), 401, "UNAUTHORIZED");
    await expectError(await rest("POST", `/jobs/${doneJob}/cancel`, { key: viewerKey }), 403, "FORBIDDEN");
    await expectError(await rest("GET", "/jobs/nope"), 404, "NOT_FOUND");
    await expectError(await rest("GET", "/no/such/thing"), 404, "NOT_FOUND");
    await expectError(await rest("POST", `/jobs/${doneJob}/cancel`), 412, "PRECONDITION_FAILED");
    await expectError(
      await rest("POST", "/teams", { body: JSON.stringify({ name: "x".repeat(2 << 20) }) }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    await expectError(
      await rest("POST", "/teams", { body: "name=x", type: "text/plain" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    await expectError(await rest("POST", "/teams", { body: "{not json" }), 400, "PARSE_ERROR");
    const broken = {
      ...deps,
      prisma: new Proxy(deps.prisma, {
        get: () => {
          throw new Error("db exploded: secret");
        },
      }),
    };
    const res = await handleRest(
      new Request("http://localhost/api/v1/jobs", { headers: { authorization: `Bearer ${ownerKey}` } }),
      broken as ApiDeps,
    );
    const e = await expectError(res, 500, "INTERNAL_SERVER_ERROR");
    expect(e.message).not.toContain("secret");
  });
});

describe("methods", () => {
  it("answers 405 with Allow for every method a documented path does not serve", async () => {
    const all = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    for (const [template, item] of Object.entries(doc.paths)) {
      const path = template.replace(/\{[^}]+\}/g, "x");
      const served = Object.keys(item).map((m) => m.toUpperCase());
      for (const method of all.filter((m) => !served.includes(m))) {
        const res = await rest(method, path);
        const e = await expectError(res, 405, "METHOD_NOT_SUPPORTED");
        const allow = res.headers.get("allow")!.split(", ");
        expect(allow, `${method} ${template}`).toEqual(expect.arrayContaining(served));
        expect(allow.filter((m) => !["HEAD", "OPTIONS"].includes(m)).sort(), `${method} ${template}`).toEqual(
          served.sort(),
        );
        expect(e.details.allowed).toEqual(allow);
      }
      const options = await rest("OPTIONS", path);
      expect(options.status).toBe(204);
      expect(options.headers.get("allow")).toContain("OPTIONS");
    }
  });

  it("routes a literal path to its own operation, not to a parameter's (/jobs/estimate is not /jobs/{id})", async () => {
    const res = await rest("GET", "/jobs/estimate");
    await expectError(res, 405, "METHOD_NOT_SUPPORTED");
    expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("answers methods the fetch standard refuses (TRACE) or Next does not route (QUERY) at the HTTP server", async () => {
    answerMethodsNextCannotRoute((p) => (p === "/jobs" ? ["GET", "HEAD", "POST", "OPTIONS"] : null));
    const server = http.createServer((_req, res) => res.end("next"));
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    const send = (method: string, path: string) =>
      new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
        const r = http.request({ host: "127.0.0.1", port, method, path }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode!, allow: res.headers.allow as string, body }));
        });
        r.on("error", reject);
        r.end();
      });
    try {
      for (const method of ["TRACE", "QUERY"]) {
        const r = await send(method, "/api/v1/jobs");
        expect(r.status).toBe(405);
        expect(r.allow).toBe("GET, HEAD, POST, OPTIONS");
        expect(errorBody.safeParse(JSON.parse(r.body)).success).toBe(true);
      }
      expect((await send("GET", "/api/v1/jobs")).body).toBe("next");
    } finally {
      server.close();
    }
  });
});

describe("bodies", () => {
  it("takes a POST without a body (nor a content type) where the document declares none", async () => {
    await expectError(await rest("POST", `/jobs/${doneJob}/cancel`), 412, "PRECONDITION_FAILED");
    await expectError(await rest("POST", "/api-keys/nope/revoke"), 404, "NOT_FOUND");
    expect(JSON.stringify(doc.paths["/jobs/{id}/cancel"]!.post)).not.toContain("requestBody");
  });

  it("holds JSON bodies to the document: no coercion of a string into a boolean or a number", async () => {
    const e = await expectError(
      await rest("POST", "/api-keys", { body: JSON.stringify({ name: "k", isAdmin: "false" }) }),
      400,
      "BAD_REQUEST",
    );
    expect(e.details.field).toBe("isAdmin");
    const jobs = await rest("POST", "/jobs", {
      body: JSON.stringify({
        baseModelId: tiny.id,
        technique: "sft",
        datasets: [{ datasetVersionId: chatVersion.id }],
        priority: "7",
      }),
    });
    expect((await expectError(jobs, 400, "BAD_REQUEST")).details.field).toBe("priority");
  });
});

describe("creates answer 201", () => {
  it("for every create operation, as the document says", async () => {
    const creates: [string, string, unknown][] = [
      ["POST", "/teams", { name: "Second" }],
      ["POST", "/api-keys", { name: "ci" }],
      ["POST", "/base-models", { name: "hub", source: "huggingface", ref: "org/model", contextLength: 4096 }],
      [
        "POST",
        "/jobs",
        {
          baseModelId: tiny.id,
          technique: "sft",
          datasets: [{ datasetVersionId: chatVersion.id }],
          hyperparameters: { maxSeqLength: 128 },
        },
      ],
      ["POST", "/auth/sign-up", { email: "new@rest.test", password: "long enough" }],
    ];
    for (const [method, path, body] of creates) {
      const res = await rest(method, path, { body: JSON.stringify(body) });
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(201);
      const documented = doc.paths[path]![method.toLowerCase()]!.responses;
      expect(Object.keys(documented), path).toContain("201");
      expect(Object.keys(documented), path).not.toContain("200");
    }
    for (const path of ["/evaluations", "/team/members"]) {
      expect(Object.keys(doc.paths[path]!.post!.responses), path).toContain("201");
    }
    expect(
      (
        await rest("POST", "/jobs/estimate", {
          body: JSON.stringify({
            baseModelId: tiny.id,
            technique: "sft",
            datasets: [{ datasetVersionId: chatVersion.id }],
            hyperparameters: { maxSeqLength: 128 },
          }),
        })
      ).status,
    ).toBe(200);
  });
});

describe("text no store can keep", () => {
  it("is a 400 naming the field, in a body or a query; a key the schema does not know is ignored", async () => {
    const nul = await expectError(await rest("POST", "/teams", { body: '{"name":"a\\u0000b"}' }), 400, "BAD_REQUEST");
    expect(nul.details.field).toBe("name");
    const lone = await expectError(await rest("POST", "/teams", { body: '{"name":"a\\ud800b"}' }), 400, "BAD_REQUEST");
    expect(lone.details.field).toBe("name");
    const cursor = await expectError(await rest("GET", "/jobs?cursor=%00"), 400, "BAD_REQUEST");
    expect(cursor.details.field).toBe("cursor");
    expect((await rest("POST", "/teams", { body: '{"name":"Extra","x\\u0000":"\\ud800"}' })).status).toBe(201);
  });

  it("is stated in the document: every string a request carries excludes U+0000", () => {
    const body = JSON.stringify(doc.paths["/teams"]!.post);
    expect(body).toContain('"pattern":"^[^\\\\u0000]*$"');
  });
});

describe("a job longer than its base model's context", () => {
  it("is refused naming both numbers; one that fits is accepted", async () => {
    const spec = (maxSeqLength: number) =>
      JSON.stringify({
        baseModelId: tiny.id,
        technique: "sft",
        datasets: [{ datasetVersionId: chatVersion.id }],
        hyperparameters: { maxSeqLength },
      });
    const e = await expectError(await rest("POST", "/jobs", { body: spec(1024) }), 400, "BAD_REQUEST");
    expect(e.details).toMatchObject({ field: "hyperparameters.maxSeqLength", maxSeqLength: 1024, contextLength: 256 });
    expect(e.message).toMatch(/1024.*256/);
    expect((await rest("POST", "/jobs", { body: spec(256) })).status).toBe(201);
  });
});

describe("downloads", () => {
  const caller = () =>
    resolveCaller(
      new Request("http://localhost", { headers: { authorization: `Bearer ${ownerKey}` } }),
      deps,
      async () => null,
    );

  it("are in the document", () => {
    expect(doc.paths["/jobs/{id}/artifacts/{artifactId}/content"]?.get).toBeDefined();
    expect(doc.paths["/jobs/{id}/checkpoints/{step}/files/{name}"]?.get).toBeDefined();
  });

  it("stream an artifact with its sha256", async () => {
    const res = await handleArtifactDownload(deps, await caller(), doneJob, artifact.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-content-sha256")).toBe(sha(artifact.body));
    expect(Buffer.from(await res.arrayBuffer()).equals(artifact.body)).toBe(true);
  });

  it("stream a checkpoint file with the sha256 the runner reported; GET /jobs/{id} lists it", async () => {
    const res = await handleCheckpointFileDownload(deps, await caller(), doneJob, "10", "optimizer.pt");
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(sha(bytes)).toBe(res.headers.get("x-content-sha256"));
    expect(bytes.equals(checkpointFile)).toBe(true);
    const job = (await (await rest("GET", `/jobs/${doneJob}`)).json()) as {
      checkpoints: { step: number; files: { name: string; sha256: string }[] }[];
    };
    expect(job.checkpoints[0]).toMatchObject({
      step: 10,
      files: [{ name: "optimizer.pt", sha256: sha(checkpointFile) }],
    });
    for (const [step, name, status] of [
      ["10", "other.pt", 404],
      ["10", "../../artifacts/adapter/adapter_model.safetensors", 404],
      ["11", "optimizer.pt", 404],
      ["ten", "optimizer.pt", 400],
    ] as const) {
      const r = await handleCheckpointFileDownload(deps, await caller(), doneJob, step, name);
      expect(r.status, `${step} ${name}`).toBe(status);
      expect(errorBody.safeParse(await r.json()).success).toBe(true);
    }
  });
});
