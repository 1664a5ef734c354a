/**
 * ingestDataset against real PostgreSQL and a LocalStorage directory: every malformed fixture gets its specific
 * error (code, line, field, words) and leaves no row and no file; every good fixture is detected and profiled.
 */
import { createReadStream } from "node:fs";
import { readFile, mkdtemp, readdir, rm } from "node:fs/promises";
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatasetFormat, DatasetProfile } from "@whetstone/core";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { AppError } from "../src/errors";
import { ingestDataset, type IngestDatasetDeps } from "../src/datasets/ingest-dataset";
import { findOrphanDatasetBlobs } from "../src/datasets/ingest/orphan-blobs";
import { sanitizeFilename } from "../src/datasets/ingest/sanitize-filename";
import { seedTeam, seedUser } from "./fixtures";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const bad = (f: string) => join(fixtures, "bad-datasets", f);
const good = (f: string) => join(fixtures, "good-datasets", f);

let db: TestDatabase;
let storageDir: string;
let deps: IngestDatasetDeps;
let teamId: string;
let userId: string;

/** Every file under the storage root (directories left empty by deletes are not files). */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) out.push(join(e.parentPath, e.name));
  return out;
}
async function counts() {
  return { datasets: await db.prisma.dataset.count(), versions: await db.prisma.datasetVersion.count() };
}

beforeAll(async () => {
  db = await createTestDatabase();
  storageDir = await mkdtemp(join(tmpdir(), "wst-ingest-"));
  deps = { prisma: db.prisma, storage: new LocalStorage(storageDir), config: { maxUploadBytes: 1024 * 1024 } };
  const user = await seedUser(db.prisma);
  userId = user.id;
  teamId = (await seedTeam(db.prisma, { members: [{ userId, role: "owner" }] })).id;
});
afterAll(async () => {
  await db?.drop();
  await rm(storageDir, { recursive: true, force: true });
});

interface BadCase {
  file: string;
  code: "BAD_REQUEST" | "PAYLOAD_TOO_LARGE";
  line?: number;
  field?: string;
  message: string | RegExp;
  declaredFormat?: DatasetFormat;
  maxUploadBytes?: number;
}

const BAD: BadCase[] = [
  { file: "malformed-json.jsonl", code: "BAD_REQUEST", line: 3, message: /^line 3: malformed JSON: .* at column 14$/ },
  {
    file: "missing-field.jsonl",
    code: "BAD_REQUEST",
    line: 2,
    field: "completion",
    message: 'line 2: field "completion" is missing',
  },
  {
    file: "wrong-type.jsonl",
    code: "BAD_REQUEST",
    line: 7,
    field: "messages[1].content",
    message: 'line 7: field "messages[1].content" must be a string, got number',
  },
  {
    file: "chat-content-not-string.jsonl",
    code: "BAD_REQUEST",
    line: 1,
    field: "messages[1].content",
    message: "must be a string, got object",
  },
  { file: "not-utf8.jsonl", code: "BAD_REQUEST", line: 2, message: "line 2: not valid UTF-8 (byte 13 of the line)" },
  { file: "empty.jsonl", code: "BAD_REQUEST", field: "file", message: 'the file "empty.jsonl" is empty' },
  {
    file: "only-blank-lines.jsonl",
    code: "BAD_REQUEST",
    field: "file",
    message: "the file has only blank lines (4); there are no rows",
  },
  {
    file: "too-large.jsonl",
    code: "PAYLOAD_TOO_LARGE",
    field: "file",
    maxUploadBytes: 2048,
    message: /upload limit of 2 KiB \(2048 bytes\): 3090 bytes read so far/,
  },
  {
    file: "mixed-formats.jsonl",
    code: "BAD_REQUEST",
    line: 4,
    field: "prompt",
    message:
      'line 4: mixed formats: this row is "prompt_completion" (field "prompt") but the file is "chat" since line 1',
  },
  {
    file: "array-line.jsonl",
    code: "BAD_REQUEST",
    line: 2,
    message: "line 2: expected a JSON object ({…}) on each line, got an array",
  },
  {
    file: "scalar-line.jsonl",
    code: "BAD_REQUEST",
    line: 3,
    message: "line 3: expected a JSON object ({…}) on each line, got string",
  },
  {
    file: "chat-unknown-role.jsonl",
    code: "BAD_REQUEST",
    line: 1,
    field: "messages[1].role",
    message: 'line 1: field "messages[1].role" must be one of "system", "user", "assistant", got "bot"',
  },
  {
    file: "chat-no-assistant.jsonl",
    code: "BAD_REQUEST",
    line: 2,
    field: "messages",
    message: 'line 2: field "messages" must contain at least one "assistant" message',
  },
  {
    file: "chat-empty-messages.jsonl",
    code: "BAD_REQUEST",
    line: 1,
    field: "messages",
    message: 'line 1: field "messages" must not be empty',
  },
  {
    file: "csv-missing-header.csv",
    code: "BAD_REQUEST",
    line: 1,
    message:
      'line 1: the header row is missing: the first line must name the columns, e.g. "text,label"; got "Broken on arrival,negative"',
  },
  {
    file: "csv-wrong-column-count.csv",
    code: "BAD_REQUEST",
    line: 4,
    message: "line 4: expected 2 columns (text, label) like the header, got 3",
  },
  {
    file: "classification-empty-label.csv",
    code: "BAD_REQUEST",
    line: 3,
    field: "label",
    message: 'line 3: field "label" must not be empty',
  },
  {
    file: "tsv-unclosed-quote.tsv",
    code: "BAD_REQUEST",
    line: 3,
    message: "line 3: the quoted field in column 1 is never closed",
  },
  {
    file: "image.png",
    code: "BAD_REQUEST",
    field: "file",
    message:
      'unsupported file type: "image.png" is a PNG image; upload JSON Lines (.jsonl), a JSON array (.json), CSV (.csv), TSV (.tsv), Parquet (.parquet) or plain text (.txt)',
  },
  {
    file: "data.parquet",
    code: "BAD_REQUEST",
    field: "file",
    message: "the Parquet file cannot be read: ",
  },
  {
    file: "json-array.json",
    code: "BAD_REQUEST",
    line: 4,
    message: 'line 4: malformed JSON: unexpected "{" at column 3 (a "," missing between elements?)',
  },
  {
    file: "unknown-format.jsonl",
    code: "BAD_REQUEST",
    line: 1,
    message: 'line 1: cannot tell the dataset format from the fields "question", "answer"',
  },
  {
    file: "declared-mismatch.jsonl",
    code: "BAD_REQUEST",
    line: 1,
    field: "prompt",
    declaredFormat: "chat",
    message: 'line 1: the file was declared as "chat"',
  },
];

describe("ingestDataset refuses malformed files with a specific error and leaves nothing behind", () => {
  it.each(BAD)("$file", async (c) => {
    const before = await counts();
    const err = await ingestDataset(
      { ...deps, config: { maxUploadBytes: c.maxUploadBytes ?? deps.config.maxUploadBytes } },
      {
        teamId,
        userId,
        datasetName: `bad ${c.file}`,
        filename: c.file,
        body: createReadStream(bad(c.file)),
        declaredFormat: c.declaredFormat,
      },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe(c.code);
    if (typeof c.message === "string") expect(e.message).toContain(c.message);
    else expect(e.message).toMatch(c.message);
    expect(e.details.line).toBe(c.line);
    expect(e.details.field).toBe(c.field);
    if (c.code === "PAYLOAD_TOO_LARGE") expect(e.details).toMatchObject({ limit: c.maxUploadBytes, bytesRead: 3090 });
    expect(await counts()).toEqual(before);
    expect(await filesUnder(storageDir)).toEqual([]);
    expect(await readdir(join(storageDir, "datasets", teamId)).catch(() => [])).toEqual([]);
  });

  it("has at least 15 committed bad fixtures, each one in the table", async () => {
    const files = (await readdir(join(fixtures, "bad-datasets"))).sort();
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(files).toEqual(BAD.map((c) => c.file).sort());
  });

  it("cleans up when the client's stream fails half way (after a blob write began)", async () => {
    async function* broken() {
      yield new TextEncoder().encode('{"text":"a"}\n'.repeat(5000));
      throw new Error("client disconnected");
    }
    const before = await counts();
    await expect(
      ingestDataset(deps, { teamId, userId, datasetName: "broken", filename: "x.jsonl", body: broken() }),
    ).rejects.toThrow("client disconnected");
    expect(await counts()).toEqual(before);
    expect(await filesUnder(storageDir)).toEqual([]);
  });

  it("deletes the blob when the database step fails after the file was stored", async () => {
    const before = await counts();
    await expect(
      ingestDataset(deps, {
        teamId: "no-such-team",
        userId,
        datasetName: "orphan",
        filename: "t.jsonl",
        body: createReadStream(good("text.jsonl")),
      }),
    ).rejects.toThrow();
    expect(await counts()).toEqual(before);
    expect(await filesUnder(storageDir)).toEqual([]);
  });

  it("refuses an empty dataset name before reading the body", async () => {
    await expect(
      ingestDataset(deps, {
        teamId,
        userId,
        datasetName: "  ",
        filename: "t.jsonl",
        body: createReadStream(good("text.jsonl")),
      }),
    ).rejects.toMatchObject({
      code: "BAD_REQUEST",
      details: { field: "datasetName" },
    });
  });
});

interface GoodCase {
  file: string;
  container: "jsonl" | "csv" | "tsv";
  format: DatasetFormat;
  rows: number;
  profile: Partial<DatasetProfile>;
}
const GOOD: GoodCase[] = [
  {
    file: "chat.jsonl",
    container: "jsonl",
    format: "chat",
    rows: 5,
    profile: { duplicateRows: 1, emptyRows: 0, fields: ["messages"], labels: null },
  },
  { file: "chat-bom-crlf.jsonl", container: "jsonl", format: "chat", rows: 2, profile: { duplicateRows: 0 } },
  {
    file: "prompt-completion.jsonl",
    container: "jsonl",
    format: "prompt_completion",
    rows: 3,
    profile: { fields: ["completion", "prompt"] },
  },
  {
    file: "alpaca.jsonl",
    container: "jsonl",
    format: "alpaca",
    rows: 4,
    profile: { fields: ["input", "instruction", "output"] },
  },
  {
    file: "text.jsonl",
    container: "jsonl",
    format: "text",
    rows: 4,
    profile: { emptyRows: 1, fields: ["source", "text"] },
  },
  {
    file: "classification.jsonl",
    container: "jsonl",
    format: "classification",
    rows: 5,
    profile: { duplicateRows: 1, labels: { positive: 3, negative: 1, neutral: 1 } },
  },
  {
    file: "classification.csv",
    container: "csv",
    format: "classification",
    rows: 4,
    profile: { labels: { positive: 2, negative: 1, neutral: 1 }, fields: ["label", "text"] },
  },
  {
    file: "classification.tsv",
    container: "tsv",
    format: "classification",
    rows: 3,
    profile: { labels: { negative: 1, positive: 1, neutral: 1 } },
  },
];

describe("ingestDataset accepts every format", () => {
  it.each(GOOD)("$file → $format ($container), $rows rows", async (c) => {
    const bytes = await readFile(good(c.file));
    const v = await ingestDataset(deps, {
      teamId,
      userId,
      datasetName: `good ${c.file}`,
      description: "fixture",
      filename: c.file,
      body: createReadStream(good(c.file)),
    });
    expect(v).toMatchObject({
      container: c.container,
      format: c.format,
      rowCount: c.rows,
      version: 1,
      filename: c.file,
      createdById: userId,
    });
    expect(v.dataset).toMatchObject({ teamId, name: `good ${c.file}`, description: "fixture" });
    expect(v.bytes).toBe(BigInt(bytes.length));
    expect(v.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(v.blobKey).toMatch(new RegExp(`^datasets/${teamId}/[0-9a-f-]{36}/${c.file.replace(".", "\\.")}$`));
    // the stored blob is the uploaded file, byte for byte
    expect(await readFile(join(storageDir, v.blobKey))).toEqual(bytes);
    const profile = v.profile as unknown as DatasetProfile;
    expect(profile).toMatchObject({ format: c.format, container: c.container, rows: c.rows, ...c.profile });
    expect(profile.sample).toHaveLength(c.rows);
    expect(profile.lengthHistogram.reduce((s, b) => s + b.count, 0)).toBe(c.rows);
    expect(profile.lengthStats.max).toBeGreaterThan(0);
  });

  it("keeps CSV quoting: commas, doubled quotes and line breaks inside fields", async () => {
    const v = await ingestDataset(deps, {
      teamId,
      userId,
      datasetName: "csv quoting",
      filename: "c.csv",
      body: createReadStream(good("classification.csv")),
    });
    const sample = (v.profile as unknown as DatasetProfile).sample;
    expect(sample.map((r) => r.text)).toEqual([
      "Broken on arrival, refund please",
      'He said "wow", then left',
      "Line one\nline two of the same review",
      "plain text",
    ]);
  });

  it("adds versions to an existing dataset, and concurrent uploads get distinct numbers", async () => {
    const up = (i: number) =>
      ingestDataset(deps, {
        teamId,
        userId,
        datasetName: "concurrent",
        filename: `t${i}.jsonl`,
        body: Readable.from([Buffer.from(`{"text":"row ${i}"}\n`)]),
      });
    const first = await up(0);
    expect(first.version).toBe(1);
    const rest = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(up));
    expect(rest.map((v) => v.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(new Set(rest.map((v) => v.datasetId))).toEqual(new Set([first.datasetId]));
    // eight first uploads of a brand-new dataset race to create it: one dataset, versions 1…8
    const race = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
        ingestDataset(deps, {
          teamId,
          userId,
          datasetName: "race",
          filename: "r.jsonl",
          body: Readable.from([Buffer.from(`{"text":"${i}"}\n`)]),
        }),
      ),
    );
    expect(new Set(race.map((v) => v.datasetId)).size).toBe(1);
    expect(race.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await findOrphanDatasetBlobs(deps)).toEqual([]);
  });

  it("keeps storage keys inside the upload's folder whatever the file name", async () => {
    expect(sanitizeFilename("../../etc/passwd.jsonl")).toBe("passwd.jsonl");
    expect(sanitizeFilename("C:\\Users\\me\\My Data (v2).csv")).toBe("My_Data_v2_.csv");
    expect(sanitizeFilename("...")).toBe("data");
    const v = await ingestDataset(deps, {
      teamId,
      userId,
      datasetName: "evil name",
      filename: "../../../x/..jsonl",
      body: createReadStream(good("text.jsonl")),
    });
    expect(v.blobKey).toMatch(new RegExp(`^datasets/${teamId}/[0-9a-f-]{36}/jsonl$`));
  });
});

describe("findOrphanDatasetBlobs", () => {
  it("lists a blob no version points to, only once seen in two sweeps", async () => {
    await deps.storage.put(
      `datasets/${teamId}/00000000-0000-4000-8000-000000000000/crash.jsonl`,
      Readable.from([Buffer.from("{}\n")]),
    );
    const first = await findOrphanDatasetBlobs(deps);
    expect(first).toEqual([`datasets/${teamId}/00000000-0000-4000-8000-000000000000/crash.jsonl`]);
    expect(await findOrphanDatasetBlobs(deps, [])).toEqual([]);
    expect(await findOrphanDatasetBlobs(deps, first)).toEqual(first);
    await deps.storage.delete(`datasets/${teamId}/00000000-0000-4000-8000-000000000000/`);
  });
});
