/**
 * The converted formats through the real upload handler (real PostgreSQL, local storage), both ways a client sends a
 * file: multipart/form-data (`curl -F file=@train.parquet`) and the raw body (`curl --data-binary @train.parquet`).
 * Parquet's binary body, a JSON array, plain text and ShareGPT are each stored as JSON Lines with the upload's name
 * kept in profile.source; an unknown shape is a 400 naming what it could be.
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, createContext, type ApiDeps, type Caller } from "@whetstone/api";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { resolveCaller } from "../src/server/caller";
import { handleUpload, uploadParamsFromUrl } from "../src/server/routes/upload";

const fixtures = fileURLToPath(new URL("../../../packages/api/test/fixtures/converted-datasets/", import.meta.url));
let db: TestDatabase;
let deps: ApiDeps;
let dir: string;
let queue: Queue;
let key: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-upload-formats-"));
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1 });
  queue = new Queue(`training-upload-formats-${Date.now()}`, { connection: redis, prefix: "wst-upload-formats" });
  deps = {
    prisma: db.prisma,
    redis,
    trainingQueue: queue,
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: 1 << 20 },
  };
  const user = await db.prisma.user.create({ data: { email: "u@formats.test" } });
  const team = await db.prisma.team.create({
    data: { slug: "fmt", name: "Fmt", memberships: { create: { userId: user.id, role: "owner" } } },
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
interface Version {
  rowCount: number;
  filename: string;
  format: string;
  container: string;
  profile: { source?: { filename: string; container: string; format: string | null } };
}

describe("converted formats over HTTP", () => {
  it.each([
    ["sharegpt.parquet", "chat", "parquet"],
    ["alpaca.json", "alpaca", "json"],
    ["corpus.txt", "text", "txt"],
    ["sharegpt.jsonl", "chat", "jsonl"],
  ])("%s as multipart and as a raw body", async (file, format, container) => {
    const bytes = await readFile(join(fixtures, file));
    const form = new FormData();
    form.set("file", new Blob([bytes]), file);
    const viaForm = await upload(`form ${file}`, "", form);
    expect(viaForm.status, await viaForm.clone().text()).toBe(201);
    const raw = await upload(`raw ${file}`, `filename=${file}`, bytes, { "content-type": "application/octet-stream" });
    expect(raw.status, await raw.clone().text()).toBe(201);
    for (const v of [(await viaForm.json()) as Version, (await raw.json()) as Version]) {
      expect(v).toMatchObject({ format, container: "jsonl" });
      expect(v.filename).toMatch(/\.jsonl$/);
      expect(v.profile.source).toMatchObject({ filename: file, container });
    }
  });

  it("knows a Parquet body by its magic bytes when no filename is given", async () => {
    const res = await upload("raw parquet no name", "", await readFile(join(fixtures, "alpaca.parquet")));
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await res.json()) as Version).toMatchObject({ format: "alpaca", rowCount: 4 });
  });

  it("answers an unknown shape with a 400 naming the formats it could be and the missing field", async () => {
    const res = await upload("qa", "filename=qa.json", '[{"question": "q", "id": 1}]');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { message: string; details: { line: number } } };
    expect(error.details.line).toBe(1);
    expect(error.message).toContain(
      'it could be prompt/completion: rename "question" → "prompt"; field "completion" is missing',
    );
  });
});
