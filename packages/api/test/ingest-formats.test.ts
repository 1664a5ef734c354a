/**
 * ingestDataset with the uploads converted to JSON Lines (real PostgreSQL, a LocalStorage directory): a JSON array
 * (Alpaca as LLaMA-Factory ships it), ShareGPT rows, Parquet (snappy, zstd, gzip; several row groups) and plain
 * text are each detected, profiled and stored as JSON Lines in the platform's format, with the upload's own name,
 * size and sha256 kept in profile.source. The stored file is what the runner reads (its data.py reads JSONL).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetProfile } from "@whetstone/core";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { ingestDataset, type IngestDatasetDeps } from "../src/datasets/ingest-dataset";
import { seedTeam, seedUser } from "./fixtures";

const dir = fileURLToPath(new URL("./fixtures/converted-datasets/", import.meta.url));

let db: TestDatabase;
let storageDir: string;
let deps: IngestDatasetDeps;
let teamId: string;
let userId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(join(tmpdir(), "wst-ingest-formats-"));
  deps = { prisma: db.prisma, storage: new LocalStorage(storageDir), config: { maxUploadBytes: 1024 * 1024 } };
  userId = (await seedUser(db.prisma)).id;
  teamId = (await seedTeam(db.prisma, { members: [{ userId, role: "owner" }] })).id;
});
afterAll(async () => {
  await db?.drop();
  await rm(storageDir, { recursive: true, force: true });
});

const CASES = [
  { file: "alpaca.json", stored: "alpaca.jsonl", container: "json", source: null, format: "alpaca", rows: 4 },
  { file: "sharegpt.jsonl", stored: "sharegpt.jsonl", container: "jsonl", source: "sharegpt", format: "chat", rows: 3 },
  { file: "corpus.txt", stored: "corpus.jsonl", container: "txt", source: null, format: "text", rows: 3 },
  { file: "alpaca.parquet", stored: "alpaca.jsonl", container: "parquet", source: null, format: "alpaca", rows: 4 },
  {
    file: "sharegpt.parquet",
    stored: "sharegpt.jsonl",
    container: "parquet",
    source: "sharegpt",
    format: "chat",
    rows: 3,
  },
  {
    file: "classification.parquet",
    stored: "classification.jsonl",
    container: "parquet",
    source: null,
    format: "classification",
    rows: 3,
  },
] as const;

describe("uploads converted to JSON Lines", () => {
  it.each(CASES)("$file ($container) → $format, stored as $stored", async (c) => {
    const bytes = await readFile(join(dir, c.file));
    const v = await ingestDataset(deps, {
      teamId,
      userId,
      datasetName: `converted ${c.file}`,
      filename: c.file,
      body: createReadStream(join(dir, c.file), { highWaterMark: 100 }),
    });
    expect(v).toMatchObject({ container: "jsonl", format: c.format, rowCount: c.rows, filename: c.stored });
    expect(v.blobKey.endsWith(`/${c.stored}`)).toBe(true);
    const stored = await readFile(join(storageDir, v.blobKey));
    expect(v.bytes).toBe(BigInt(stored.length));
    expect(v.sha256).toBe(createHash("sha256").update(stored).digest("hex"));
    const rows = stored
      .toString("utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(c.rows);
    const profile = v.profile as unknown as DatasetProfile;
    expect(profile).toMatchObject({ format: c.format, container: "jsonl", rows: c.rows });
    expect(profile.source).toEqual({
      filename: c.file,
      container: c.container,
      format: c.source,
      bytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    });
    if (c.format === "chat") {
      for (const r of rows) {
        expect(r).not.toHaveProperty("conversations");
        expect((r.messages as { role: string }[]).every((m) => ["system", "user", "assistant"].includes(m.role))).toBe(
          true,
        );
      }
    }
    if (c.file === "sharegpt.parquet") {
      // list<struct<from, value>> read from Parquet; an empty system prompt is no message, a set one is the first.
      expect(rows[0]!.messages).toEqual([
        { role: "user", content: "Do you ship to Canada?" },
        { role: "assistant", content: "Yes, in 5-7 business days." },
      ]);
      expect((rows[1]!.messages as unknown[])[0]).toEqual({
        role: "system",
        content: "You are an outdoor-gear assistant.",
      });
    }
    if (c.file === "alpaca.parquet")
      expect(rows[0]).toEqual({
        instruction: "Give three tips for staying healthy.",
        input: null,
        output: "Eat well, exercise, sleep.",
      });
    if (c.file === "classification.parquet") expect(rows.map((r) => r.label)).toEqual([2, 0, 1]); // int64 → number
    if (c.file === "corpus.txt") expect(rows[2]).toEqual({ text: "Synthetic insulation keeps some warmth when wet." });
  });

  it("a plain JSONL upload is still stored byte for byte, with no source block", async () => {
    const body = Buffer.from('{"text": "a"}\n\n{"text": "b"}\n');
    const v = await ingestDataset(deps, {
      teamId,
      userId,
      datasetName: "plain",
      filename: "p.jsonl",
      body: Readable.from([body]),
    });
    expect(await readFile(join(storageDir, v.blobKey))).toEqual(body);
    expect((v.profile as unknown as DatasetProfile).source).toBeUndefined();
  });

  it("a bad Parquet row names the row and the field, and leaves nothing behind", async () => {
    const before = await db.prisma.datasetVersion.count();
    const err = await ingestDataset(deps, {
      teamId,
      userId,
      datasetName: "bad parquet",
      filename: "alpaca.parquet",
      body: createReadStream(join(dir, "alpaca.parquet")),
      declaredFormat: "chat",
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "BAD_REQUEST", details: { line: 1, field: "instruction" } });
    expect((err as Error).message).toMatch(/^row 1: the file was declared as "chat"/);
    expect(await db.prisma.datasetVersion.count()).toBe(before);
  });
});
