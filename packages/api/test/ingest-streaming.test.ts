/**
 * ingestDataset streams: a 200 MB chat JSONL, generated on the fly (never on disk, never whole in memory), is
 * ingested by a child process whose peak RSS (VmHWM) must grow by less than 150 MB across the ingestion.
 * A child process, so that the measure is of ingestion alone (not of vitest, and not of earlier tests).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { seedTeam, seedUser } from "./fixtures";

const TARGET_BYTES = 200 * 1024 * 1024;
const MAX_RSS_GROWTH = 150 * 1024 * 1024;
const src = (p: string) => pathToFileURL(fileURLToPath(new URL(`../../${p}`, import.meta.url))).href;

// The child: imports the real modules by URL, warms up with a small upload, then ingests the generated stream.
const CHILD = `
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
const { ingestDataset } = await import(${JSON.stringify(src("api/src/datasets/ingest-dataset.ts"))});
const { createPrismaClient } = await import(${JSON.stringify(src("db/src/client.ts"))});
const { LocalStorage } = await import(${JSON.stringify(src("storage/src/local-storage.ts"))});

const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
const env = process.env;
const prisma = createPrismaClient(env.DATABASE_URL);
const deps = { prisma, storage: new LocalStorage(env.STORAGE_DIR), config: { maxUploadBytes: 1024 ** 3 } };
const base = { teamId: env.TEAM_ID, userId: env.USER_ID, filename: "big.jsonl" };

// Varied rows: contents of 20…6000 characters from a pool, a row number making most rows distinct.
const words = "the patient reports chest pain radiating to the left arm since this morning with nausea and sweating".split(" ");
let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pool = Array.from({ length: 256 }, () => {
  const n = 20 + Math.floor(rand() ** 3 * 6000);
  let s = "";
  while (s.length < n) s += words[Math.floor(rand() * words.length)] + " ";
  return s.slice(0, n);
});
const sha = createHash("sha256");
let rows = 0;
async function* generate(target) {
  let sent = 0;
  while (sent < target) {
    let chunk = "";
    while (chunk.length < 64 * 1024) {
      const q = pool[rows % 251], a = pool[(rows * 7) % 256];
      const row = rows % 10 === 0 ? { messages: [{ role: "system", content: "You are a triage nurse." }, { role: "user", content: q }, { role: "assistant", content: a }] }
                                   : { messages: [{ role: "user", content: "#" + rows + " " + q }, { role: "assistant", content: a }] };
      chunk += JSON.stringify(row) + "\\n";
      rows++;
    }
    const buf = Buffer.from(chunk);
    sha.update(buf);
    sent += buf.length;
    yield buf;
  }
}

async function* small() { yield Buffer.from('{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\\n'); }
await ingestDataset(deps, { ...base, datasetName: "warm-up", body: small() });
global.gc?.();
const before = hwm();
const t0 = performance.now();
const v = await ingestDataset(deps, { ...base, datasetName: "big", body: generate(Number(env.TARGET_BYTES)) });
const ms = performance.now() - t0;
const after = hwm();
console.log(JSON.stringify({ before, after, ms, rows, sha256: sha.digest("hex"), version: { rowCount: v.rowCount, bytes: Number(v.bytes), sha256: v.sha256, blobKey: v.blobKey, format: v.format, profile: v.profile } }));
await prisma.$disconnect();
`;

let db: TestDatabase;
let dir: string;
let teamId: string;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-ingest-stream-"));
  userId = (await seedUser(db.prisma)).id;
  teamId = (await seedTeam(db.prisma, { members: [{ userId, role: "owner" }] })).id;
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

it("ingests a 200 MB upload with peak RSS growing by less than 150 MB", { timeout: 180_000 }, async () => {
  const script = join(dir, "child.mts");
  await writeFile(script, CHILD);
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
    cwd: fileURLToPath(new URL("../../../", import.meta.url)),
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      STORAGE_DIR: join(dir, "blobs"),
      TEAM_ID: teamId,
      USER_ID: userId,
      TARGET_BYTES: String(TARGET_BYTES),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  const line = stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .pop()!;
  const r = JSON.parse(line) as {
    before: number;
    after: number;
    ms: number;
    rows: number;
    sha256: string;
    version: {
      rowCount: number;
      bytes: number;
      sha256: string;
      blobKey: string;
      format: string;
      profile: { rows: number; duplicateRows: number; lengthStats: { max: number } };
    };
  };
  const growth = r.after - r.before;
  console.log(
    `200 MB ingest: ${(r.version.bytes / 2 ** 20).toFixed(0)} MiB, ${r.rows} rows in ${(r.ms / 1000).toFixed(1)} s ` +
      `(${(r.version.bytes / 2 ** 20 / (r.ms / 1000)).toFixed(0)} MiB/s); peak RSS ${(r.before / 2 ** 20).toFixed(0)} → ${(r.after / 2 ** 20).toFixed(0)} MiB (+${(growth / 2 ** 20).toFixed(0)} MiB)`,
  );
  expect(r.version.bytes).toBeGreaterThanOrEqual(TARGET_BYTES);
  expect(r.version.rowCount).toBe(r.rows);
  expect(r.version.format).toBe("chat");
  expect(r.version.sha256).toBe(r.sha256);
  expect(r.version.profile.rows).toBe(r.rows);
  expect((await stat(join(dir, "blobs", r.version.blobKey))).size).toBe(r.version.bytes);
  expect(growth).toBeLessThan(MAX_RSS_GROWTH);
});
