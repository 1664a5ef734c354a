/**
 * The converted uploads stream too: a 128 MB JSON array of ShareGPT rows (generated on the fly, never on disk, never
 * whole in memory) and a 128 MB Parquet file of many row groups are each ingested by a child process whose peak RSS
 * (VmHWM) must grow by far less than the file: the JSON array is read element by element, the Parquet file row group
 * by row group from a temporary file. A child process, so that the measure is of ingestion alone.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { fileWriter, parquetWriteRows } from "hyparquet-writer";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { seedTeam, seedUser } from "./fixtures";

const TARGET_BYTES = 128 * 1024 * 1024;
const MAX_RSS_GROWTH = 100 * 1024 * 1024;
const src = (p: string) => pathToFileURL(fileURLToPath(new URL(`../../${p}`, import.meta.url))).href;

const WORDS =
  "the patient reports chest pain radiating to the left arm since this morning with nausea and sweating".split(" ");
/** Row contents of 20…3000 characters from a seeded pool; the row number makes most rows distinct. */
function pool(): string[] {
  let seed = 42;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: 256 }, () => {
    const n = 20 + Math.floor(rand() ** 3 * 3000);
    let s = "";
    while (s.length < n) s += `${WORDS[Math.floor(rand() * WORDS.length)]} `;
    return s.slice(0, n);
  });
}

const CHILD = `
import { createReadStream, readFileSync } from "node:fs";
const { ingestDataset } = await import(${JSON.stringify(src("api/src/datasets/ingest-dataset.ts"))});
const { createPrismaClient } = await import(${JSON.stringify(src("db/src/client.ts"))});
const { LocalStorage } = await import(${JSON.stringify(src("storage/src/local-storage.ts"))});

const hwm = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) * 1024;
const env = process.env;
const prisma = createPrismaClient(env.DATABASE_URL);
const deps = { prisma, storage: new LocalStorage(env.STORAGE_DIR), config: { maxUploadBytes: 1024 ** 3 } };
const base = { teamId: env.TEAM_ID, userId: env.USER_ID };
const pool = JSON.parse(readFileSync(env.POOL, "utf8"));
let rows = 0;
let sent = 0;
// A pretty-printed JSON array of ShareGPT rows, as LLaMA-Factory's examples ship it.
async function* jsonArray(target) {
  yield Buffer.from("[\\n");
  while (sent < target) {
    let chunk = "";
    while (chunk.length < 64 * 1024) {
      const row = { conversations: [{ from: "human", value: "#" + rows + " " + pool[rows % 251] }, { from: "gpt", value: pool[(rows * 7) % 256] }] };
      chunk += (rows ? ",\\n" : "") + "  " + JSON.stringify(row);
      rows++;
    }
    const buf = Buffer.from(chunk);
    sent += buf.length;
    yield buf;
  }
  yield Buffer.from("\\n]\\n");
}
async function* small() { yield Buffer.from('[{"instruction": "a", "output": "b"}]'); }
await ingestDataset(deps, { ...base, filename: "warm.json", datasetName: "warm-up", body: small() });
global.gc?.();
const before = hwm();
const t0 = performance.now();
const v = env.KIND === "json"
  ? await ingestDataset(deps, { ...base, filename: "big.json", datasetName: "big json", body: jsonArray(Number(env.TARGET_BYTES)) })
  : await ingestDataset(deps, { ...base, filename: "big.parquet", datasetName: "big parquet", body: createReadStream(env.PARQUET) });
const ms = performance.now() - t0;
const after = hwm();
console.log(JSON.stringify({ before, after, ms, rows, version: { rowCount: v.rowCount, bytes: Number(v.bytes), blobKey: v.blobKey, format: v.format, profile: { rows: v.profile.rows, source: v.profile.source } } }));
await prisma.$disconnect();
`;

let db: TestDatabase;
let dir: string;
let teamId: string;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "wst-ingest-formats-stream-"));
  userId = (await seedUser(db.prisma)).id;
  teamId = (await seedTeam(db.prisma, { members: [{ userId, role: "owner" }] })).id;
});
afterAll(async () => {
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

async function runChild(kind: "json" | "parquet", extra: Record<string, string> = {}) {
  const script = join(dir, "child.mts");
  await writeFile(script, CHILD);
  await writeFile(join(dir, "pool.json"), JSON.stringify(pool()));
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", script], {
    cwd: fileURLToPath(new URL("../../../", import.meta.url)),
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      STORAGE_DIR: join(dir, "blobs"),
      TEAM_ID: teamId,
      USER_ID: userId,
      TARGET_BYTES: String(TARGET_BYTES),
      POOL: join(dir, "pool.json"),
      KIND: kind,
      ...extra,
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
    version: {
      rowCount: number;
      bytes: number;
      blobKey: string;
      format: string;
      profile: { rows: number; source: { bytes: number } };
    };
  };
  const growth = r.after - r.before;
  console.log(
    `${kind} ingest: ${(r.version.profile.source.bytes / 2 ** 20).toFixed(0)} MiB uploaded, ${r.version.rowCount} rows in ${(r.ms / 1000).toFixed(1)} s; ` +
      `peak RSS ${(r.before / 2 ** 20).toFixed(0)} → ${(r.after / 2 ** 20).toFixed(0)} MiB (+${(growth / 2 ** 20).toFixed(0)} MiB)`,
  );
  expect((await stat(join(dir, "blobs", r.version.blobKey))).size).toBe(r.version.bytes);
  return { ...r, growth };
}

it(
  "ingests a 128 MB JSON array element by element, peak RSS growing by less than 100 MB",
  { timeout: 240_000 },
  async () => {
    const r = await runChild("json");
    expect(r.version.profile.source.bytes).toBeGreaterThanOrEqual(TARGET_BYTES);
    expect(r.version).toMatchObject({ format: "chat", rowCount: r.rows });
    expect(r.growth).toBeLessThan(MAX_RSS_GROWTH);
  },
);

it(
  "ingests a 128 MB Parquet file row group by row group, peak RSS growing by less than 100 MB",
  { timeout: 240_000 },
  async () => {
    const texts = pool();
    const path = join(dir, "big.parquet");
    const ROWS = 135_000;
    function* rows() {
      for (let i = 0; i < ROWS; i++) {
        yield {
          instruction: `#${i} ${texts[i % 251]}`,
          input: i % 3 ? null : texts[(i * 3) % 256],
          output: texts[(i * 7) % 256],
        };
      }
    }
    await parquetWriteRows({
      writer: fileWriter(path),
      rows: rows(),
      columns: [
        { name: "instruction", type: "STRING" },
        { name: "input", type: "STRING", nullable: true },
        { name: "output", type: "STRING" },
      ],
      rowGroupSize: 2_000,
      codec: "UNCOMPRESSED",
    });
    const size = (await stat(path)).size;
    expect(size).toBeGreaterThan(TARGET_BYTES);
    const r = await runChild("parquet", { PARQUET: path });
    expect(r.version).toMatchObject({ format: "alpaca", rowCount: ROWS });
    expect(r.version.profile.source.bytes).toBe(size);
    expect(r.growth).toBeLessThan(MAX_RSS_GROWTH);
  },
);
