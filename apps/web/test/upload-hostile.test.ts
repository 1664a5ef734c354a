/**
 * Hostile uploads through the real upload handler (real PostgreSQL, local storage): JSON escapes and control
 * characters in JSONL, CSV and TSV are accepted or refused with their line and field, never a 500; multipart/form-data
 * bodies are streamed; and a request refused before its body is read leaves a keep-alive connection usable — checked
 * with a real HTTP server and node's keep-alive Agent.
 */
import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { resolveCaller } from "../src/server/caller";
import { handleUpload, uploadParamsFromUrl } from "../src/server/routes/upload";

let db: TestDatabase;
let deps: ApiDeps;
let dir: string;
let queue: Queue;
let key: string;
const LIMIT = 1024 * 1024;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-upload-hostile-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  queue = new Queue(`training-upload-hostile-${Date.now()}`, { connection: redis, prefix: "wst-upload-hostile" });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue: queue,
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: LIMIT },
  };
  const user = await db.prisma.user.create({ data: { email: "u@upload.test" } });
  const team = await db.prisma.team.create({
    data: { slug: "up", name: "Up", memberships: { create: { userId: user.id, role: "owner" } } },
  });
  const caller: Caller = { kind: "session", userId: user.id, isAdmin: false };
  key = (
    await appRouter.createCaller(createContext({ deps, caller, teamSlug: team.slug })).apiKeys.create({ name: "k" })
  ).key;
});

afterAll(async () => {
  await queue?.close();
  deps?.redis.disconnect();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** POST /api/v1/datasets/{name}/versions as the REST route does it. */
async function upload(name: string, query: string, body: BodyInit, headers: Record<string, string> = {}) {
  const req = new Request(`http://localhost/api/v1/datasets/${encodeURIComponent(name)}/versions?${query}`, {
    method: "POST",
    body,
    headers: { authorization: `Bearer ${key}`, ...headers },
    duplex: "half",
  } as RequestInit);
  const caller = await resolveCaller(req, deps, async () => null);
  return handleUpload(req, deps, caller, { ...uploadParamsFromUrl(req, name), teamSlug: null });
}
const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } }).error;

describe("escapes and control characters", () => {
  const ok = '{"text":"fine","label":"a"}';
  it.each([
    ["a JSON \\u001f", '{"text":"x\\u001fy","label":"b"}'],
    ["a JSON \\u0001 and \\u007f", '{"text":"\\u0001\\u007f","label":"b"}'],
    ["escaped whitespace", '{"text":"\\b\\f\\n\\r\\t","label":"b"}'],
    ["a surrogate pair", '{"text":"\\ud83d\\ude00","label":"b"}'],
  ])("accepts %s (201), stored and profiled", async (_what, line) => {
    const res = await upload("ok-" + Math.random().toString(36).slice(2), "filename=x.jsonl", `${ok}\n${line}\n`);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    expect(((await res.json()) as { rowCount: number }).rowCount).toBe(2);
  });

  it.each([
    ["a JSON \\u0000", '{"text":"x\\u0000y","label":"b"}', "text"],
    ["a lone \\ud800", '{"text":"x\\ud800","label":"b"}', "text"],
    ["a lone \\udfff in a label", '{"text":"t","label":"\\udfff"}', "label"],
    ["a \\u0000 in a key", '{"text":"t","label":"b","n\\u0000":"v"}', '["n\\u0000"]'],
  ])("refuses %s with 400, the line and the field", async (_what, line, field) => {
    const res = await upload("bad", "filename=x.jsonl", `${ok}\n${line}\n`);
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e).toMatchObject({ code: "BAD_REQUEST", details: { line: 2, field, kind: "invalid_character" } });
  });

  it("refuses a raw control byte inside a JSON string as malformed JSON on its line", async () => {
    const res = await upload("bad", "filename=x.jsonl", `${ok}\n{"text":"a\u0001b","label":"c"}\n`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details).toMatchObject({ line: 2, kind: "malformed_json" });
  });

  for (const [ext, d] of [
    ["csv", ","],
    ["tsv", "\t"],
  ] as const) {
    it(`${ext}: keeps control characters, refuses a NUL byte with the line and the column`, async () => {
      const good = await upload(`ctl-${ext}`, `filename=x.${ext}`, `text${d}label\na\u0001b${d}x\n"q\u001f"${d}y\n`);
      expect(good.status).toBe(201);
      const bad = await upload(`nul-${ext}`, `filename=x.${ext}`, `text${d}label\nfine${d}x\nb\u0000d${d}y\n`);
      expect(bad.status).toBe(400);
      expect((await errorOf(bad)).details).toMatchObject({ line: 3, field: "text", kind: "invalid_character" });
    });
  }

  it("refuses a NUL in the dataset name or description, naming it", async () => {
    const name = await upload("a\u0000b", "filename=x.jsonl", `${ok}\n`);
    expect(name.status).toBe(400);
    expect((await errorOf(name)).details.field).toBe("datasetName");
    const desc = await upload("fine", "filename=x.jsonl&description=%00", `${ok}\n`);
    expect(desc.status).toBe(400);
    expect((await errorOf(desc)).details.field).toBe("description");
  });
});

describe("multipart/form-data", () => {
  const rows = '{"prompt":"a","completion":"b"}\n{"prompt":"c","completion":"d"}\n';

  it("takes the file part (curl -F file=@x.jsonl), with fields before it", async () => {
    const form = new FormData();
    form.set("description", "from a form");
    form.set("file", new Blob([rows]), "train.jsonl");
    const res = await upload("form", "", form);
    expect(res.status, JSON.stringify(await res.clone().json())).toBe(201);
    const v = (await res.json()) as {
      rowCount: number;
      filename: string;
      format: string;
      dataset: { description: string };
    };
    expect(v).toMatchObject({ rowCount: 2, filename: "train.jsonl", format: "prompt_completion" });
    expect(v.dataset.description).toBe("from a form");
  });

  it("streams a file larger than the highWaterMark without buffering it, and still reports the bad line", async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `{"prompt":"q${i}","completion":"a${i}"}`).join("\n");
    const form = new FormData();
    form.set("file", new Blob([`${many}\n{"prompt":"broken"}\n`]), "big.jsonl");
    const res = await upload("form-bad", "", form);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).details).toMatchObject({ line: 3001, field: "completion" });
  });

  it("says what is missing when the form has no file part", async () => {
    const form = new FormData();
    form.set("name", "x");
    const res = await upload("form-none", "", form);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ details: { field: "file" } });
    expect((await errorOf(await upload("form-none", "", form))).message).toMatch(/curl -F file=@/);
  });
});

describe("keep-alive after a refusal", () => {
  it("answers the error and serves the next request on the same agent (small body drained, large one closed)", async () => {
    // The upload route as Next serves it: node request → web Request (streamed body) → handler → node response.
    const server = http.createServer(async (req, res) => {
      if (req.url === "/ping") {
        res.end("pong");
        return;
      }
      const request = new Request(`http://localhost${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: Readable.toWeb(req) as unknown as NodeWebReadableStream<Uint8Array> as unknown as BodyInit,
        duplex: "half",
      } as RequestInit);
      const caller = await resolveCaller(request, deps, async () => null);
      const answer = await handleUpload(request, deps, caller, {
        ...uploadParamsFromUrl(request, "ka"),
        teamSlug: null,
      });
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    const port = (server.address() as { port: number }).port;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const send = (path: string, headers: Record<string, string | number>, body?: Buffer) =>
      new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
        const r = http.request(
          { host: "127.0.0.1", port, path, method: body ? "POST" : "GET", agent, headers },
          (res) => {
            let text = "";
            res.on("data", (c) => (text += c));
            res.on("end", () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
          },
        );
        r.on("error", reject);
        r.end(body);
      });
    try {
      const cases: [string, Record<string, string | number>, Buffer, number][] = [
        ["bad key, small body", { authorization: "Bearer wst_nope" }, Buffer.alloc(64 * 1024, "a"), 401],
        ["bad key, large body", { authorization: "Bearer wst_nope" }, Buffer.alloc(3 * LIMIT, "a"), 401],
        ["declared too large", { authorization: `Bearer ${key}` }, Buffer.alloc(2 * LIMIT, "a"), 413],
        ["bad first line", { authorization: `Bearer ${key}` }, Buffer.from("not json\n".repeat(100_000)), 400],
      ];
      for (const [what, headers, body, status] of cases) {
        const refused = await send("/upload?filename=x.jsonl", { ...headers, "content-length": body.length }, body);
        expect(refused.status, what).toBe(status);
        expect(JSON.parse(refused.body).error.code, what).toBeDefined();
        const next = await send("/ping", {});
        expect([next.status, next.body], `${what}: the next request on the agent`).toEqual([200, "pong"]);
      }
    } finally {
      agent.destroy();
      server.close();
    }
  });
});
