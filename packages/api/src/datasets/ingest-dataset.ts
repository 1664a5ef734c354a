/**
 * Dataset upload → blob + DatasetVersion, all or nothing, streamed (the file is never whole in memory).
 *
 * One pass over the body: each chunk is counted (size limit), hashed (sha256), parsed, validated and profiled
 * (packages/core DatasetParser), and only then handed to storage.put, which pulls the next chunk when it has
 * written this one. Doing it at the same time rather than "store, then read back and parse" reads the bytes
 * once, refuses a bad file at its first bad line without storing the rest of it, and keeps memory bounded by
 * the stream's backpressure (a few chunks + one line + the profile's bounded state).
 *
 * Order and failure: the blob is written first, to a fresh `datasets/<teamId>/<uuid>/<file>` key (put is atomic:
 * temp file + rename, or one S3 upload); the parser's end-of-file checks run before put completes, so a bad file
 * never becomes a blob. The DB rows (Dataset on first upload, DatasetVersion) are written in one transaction
 * only after the blob is complete. On any error the `datasets/<teamId>/<uuid>/` prefix is deleted and no row
 * exists. A crash between the put and the commit can leave at most that one file, which no DatasetVersion
 * points to: `findOrphanDatasetBlobs` (./ingest/orphan-blobs.ts) finds it for a sweeper.
 *
 * Formats converted at upload: a JSON array file, a Parquet file, plain text and ShareGPT rows are stored as JSON
 * Lines in the platform's format (the records the parser hands over, one per line), so the runner reads every
 * version the same way. The version's filename, size and sha256 are the stored file's (`<name>.jsonl`); the upload's
 * own are kept in `profile.source`. Until the first row says whether a JSONL file is ShareGPT, its chunks are held
 * (at most the first line). Parquet needs its footer: it is spooled to a temporary file, then read row group by row
 * group (./ingest/parquet-rows.ts).
 *
 * Concurrency: the version number is max(version) + 1 inside the transaction; two uploads to the same dataset
 * (or two first uploads creating it) collide on the unique constraints (datasetId, version) / (teamId, name),
 * and the loser retries the transaction with a fresh read.
 */
import { createHash, randomUUID } from "node:crypto";
import type { Readable } from "node:stream";
import {
  DATASET_FORMATS,
  DatasetError,
  DatasetParser,
  detectContainer,
  isConvertedContainer,
  SNIFF_BYTES,
  type UploadContainer,
  encodeSketch,
  ReadinessSettingsError,
  resolveReadinessSettings,
  type DatasetDerivation,
  type DatasetFormat,
  type DatasetParseResult,
  type ReadinessSettings,
} from "@whetstone/core";
import type { Prisma, PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { AppError } from "../errors";
import { readParquetRows, spoolToTempFile, type SpooledFile } from "./ingest/parquet-rows";
import { sanitizeFilename } from "./ingest/sanitize-filename";
import { datasetErrorToAppError, formatBytes } from "./ingest/to-app-error";

export interface IngestDatasetDeps {
  prisma: PrismaClient;
  storage: BlobStorage;
  config: { maxUploadBytes: number };
}

export interface IngestDatasetInput {
  teamId: string;
  userId: string;
  /** Dataset name, unique in the team: the first upload creates the dataset, later ones add versions. */
  datasetName: string;
  /** Sets the dataset's description (on creation, or replaces it when given again). */
  description?: string;
  /** The uploaded file's name; its extension (and the content) decide JSONL / CSV / TSV. */
  filename: string;
  body: Readable | AsyncIterable<Uint8Array>;
  /** When given, the file must be in this format. */
  declaredFormat?: DatasetFormat;
  /** Readiness settings (near-duplicate threshold, examples per check); defaults when absent. */
  readiness?: Partial<ReadinessSettings>;
  /** A version made from another one (a cleaned version): the source and what was done. */
  derivedFrom?: { parentVersionId: string; derivation: DatasetDerivation };
}

export const MAX_DATASET_NAME_LENGTH = 200;
const MAX_ATTEMPTS = 20;

async function* oneChunk(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "P2002";
}

/**
 * Stores, validates and profiles an uploaded dataset file and records it as the dataset's next version.
 * Throws AppError BAD_REQUEST (details `{line, field, kind, …}`) for a bad file or input, PAYLOAD_TOO_LARGE
 * (details `{limit, bytesRead}`) past `config.maxUploadBytes`; nothing is left behind on any error.
 */
export async function ingestDataset(deps: IngestDatasetDeps, input: IngestDatasetInput) {
  const stored = await storeDataset(deps, input);
  try {
    return await createVersionRow(deps.prisma, stored);
  } catch (err) {
    await deps.storage.delete(`${stored.dir}/`).catch(() => undefined);
    throw err;
  }
}

/** A dataset file stored, validated and profiled, whose version row is not written yet (createVersionRow writes it). */
export type StoredDataset = VersionRowInput & { dir: string };

/**
 * ingestDataset's first half: the blob (and its sketch) under a fresh `datasets/<teamId>/<uuid>/` prefix, and what
 * the version row needs. Nothing is left behind when it throws; when the row is never written, the caller deletes
 * `${dir}/` (or the storage sweeper does: orphan-blobs.ts).
 */
export async function storeDataset(
  deps: Omit<IngestDatasetDeps, "prisma">,
  input: IngestDatasetInput,
): Promise<StoredDataset> {
  const datasetName = input.datasetName.trim();
  if (!datasetName) throw new AppError("BAD_REQUEST", "a dataset name is required", { field: "datasetName" });
  if (datasetName.length > MAX_DATASET_NAME_LENGTH) {
    throw new AppError("BAD_REQUEST", `the dataset name is longer than ${MAX_DATASET_NAME_LENGTH} characters`, {
      field: "datasetName",
    });
  }
  for (const [field, text] of [
    ["datasetName", datasetName],
    ["description", input.description],
    ["filename", input.filename],
  ] as const) {
    if (text?.includes("\u0000")) {
      throw new AppError("BAD_REQUEST", `${field}: text may not contain the NUL character (\\u0000)`, { field });
    }
  }
  if (input.declaredFormat !== undefined && !DATASET_FORMATS.includes(input.declaredFormat)) {
    throw new AppError(
      "BAD_REQUEST",
      `unknown format "${String(input.declaredFormat)}" (one of ${DATASET_FORMATS.join(", ")})`,
      {
        field: "declaredFormat",
      },
    );
  }

  let readiness: ReadinessSettings;
  try {
    readiness = resolveReadinessSettings(input.readiness);
  } catch (e) {
    if (e instanceof ReadinessSettingsError) throw new AppError("BAD_REQUEST", e.message, { field: e.field });
    throw e;
  }

  const limit = deps.config.maxUploadBytes;
  const dir = `datasets/${input.teamId}/${randomUUID()}`;
  // The duplicate sketch beside the file; the name cannot collide with the sanitized file name's extension rules.
  const sketchKey = `${dir}/.readiness-sketch.bin`;
  const displayName = input.filename.split(/[\\/]/).pop() || "data";
  // Converted uploads: the records the parser hands over, as JSON Lines (see the header).
  let out: string[] = [];
  const parser = new DatasetParser({
    filename: input.filename,
    declaredFormat: input.declaredFormat,
    readiness,
    onRecord: (r) => {
      if (parser.storedAs === "jsonl") out.push(JSON.stringify(r));
    },
  });
  const sourceSha = createHash("sha256");
  const storedSha = createHash("sha256");
  let bytes = 0;
  let storedBytes = 0;
  let parsed: DatasetParseResult | null = null;
  let failure: unknown = null;
  let spooled: SpooledFile | null = null;

  /** The upload's chunks, counted against the limit and hashed. */
  async function* uploaded(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input.body as AsyncIterable<Uint8Array | string>) {
      const c = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      bytes += c.length;
      if (bytes > limit) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `the file is larger than the upload limit of ${formatBytes(limit)}: ${bytes} bytes read so far`,
          { field: "file", limit, bytesRead: bytes },
        );
      }
      sourceSha.update(c);
      yield c;
    }
  }
  const flush = () => {
    const b = Buffer.from(`${out.join("\n")}\n`);
    out = [];
    return b;
  };
  /** Bytes, parsed as they pass: the uploaded chunks, or (converted) the JSON Lines of its records. */
  async function* streamed(upload: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    let held: Uint8Array[] = [];
    for await (const c of upload) {
      parser.push(c);
      const mode = parser.storedAs;
      if (mode === null) held.push(c);
      else if (mode === "original") {
        yield* held;
        held = [];
        yield c;
      } else {
        held = [];
        if (out.length) yield flush();
      }
    }
    parsed = parser.end();
    if (parsed.storedAs === "original") yield* held;
    else if (out.length) yield flush();
  }
  async function* fromParquet(path: string): AsyncGenerator<Uint8Array> {
    for await (const [row, record] of readParquetRows(path)) {
      parser.pushRecord(row, record);
      if (out.length >= 256) yield flush();
    }
    parsed = parser.end();
    if (out.length) yield flush();
  }
  async function* hashed(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      for await (const c of body) {
        storedSha.update(c);
        storedBytes += c.length;
        yield c;
      }
    } catch (e) {
      failure = e;
      throw e;
    }
  }

  try {
    // The first bytes decide the container, hence the stored file's name, before anything is written.
    const reader = uploaded()[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    while (headBytes < SNIFF_BYTES) {
      const next = await reader.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const upload = (async function* () {
      yield* head;
      for (let next = await reader.next(); !next.done; next = await reader.next()) yield next.value;
    })();
    const container = peekContainer(input.filename, Buffer.concat(head));
    const storedName =
      container && isConvertedContainer(container) ? `${displayName.replace(/\.[^.]*$/, "")}.jsonl` : displayName;
    const blobKey = `${dir}/${sanitizeFilename(storedName)}`;
    if (container === "parquet") {
      spooled = await spoolToTempFile(upload);
      await deps.storage.put(blobKey, hashed(fromParquet(spooled.path)));
    } else {
      await deps.storage.put(blobKey, hashed(streamed(upload)));
    }
    const result = parsed as DatasetParseResult | null;
    if (!result) throw new Error("storage.put returned before the upload was read to its end");
    if (result.storedAs === "jsonl") {
      result.profile.source = {
        filename: displayName,
        container: result.source.container,
        format: result.source.format,
        bytes,
        sha256: sourceSha.digest("hex"),
      };
    }
    // Sketch of the rows (band keys + 8-bit fingerprints, ≤ ~17 MB): duplicates between the datasets of a job.
    if (result.sketch) await deps.storage.put(sketchKey, oneChunk(encodeSketch(result.sketch)));
    return {
      dir,
      teamId: input.teamId,
      userId: input.userId,
      datasetName,
      description: input.description,
      filename: storedName,
      blobKey,
      bytes: storedBytes,
      sha256: storedSha.digest("hex"),
      result,
      sketchKey: result.sketch ? sketchKey : null,
      derivedFrom: input.derivedFrom,
    };
  } catch (err) {
    // The whole per-upload prefix: the blob if put completed, nothing otherwise (put removes its temp file).
    await deps.storage.delete(`${dir}/`).catch(() => undefined);
    const e = failure ?? err;
    if (e instanceof DatasetError) throw datasetErrorToAppError(e);
    throw e;
  } finally {
    await spooled?.dispose();
  }
}

/** The upload's container from its first bytes, or null when the parser is to say what is wrong (it will). */
function peekContainer(filename: string, head: Uint8Array): UploadContainer | null {
  const bomless = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? head.subarray(3) : head;
  if (bomless.length === 0) return null;
  try {
    return detectContainer(filename, bomless);
  } catch (e) {
    if (e instanceof DatasetError) return null;
    throw e;
  }
}

interface VersionRowInput {
  teamId: string;
  userId: string;
  datasetName: string;
  description: string | undefined;
  filename: string;
  blobKey: string;
  bytes: number;
  sha256: string;
  result: DatasetParseResult;
  sketchKey: string | null;
  derivedFrom?: { parentVersionId: string; derivation: DatasetDerivation };
}

/**
 * Writes the version row of a stored dataset (and the dataset on its first version). Given a client, in a transaction
 * of its own, retried on a version-number collision; given the caller's transaction, inside it (a collision then
 * fails the caller's transaction, which its caller retries).
 */
export async function createVersionRow(prisma: PrismaClient | Prisma.TransactionClient, v: VersionRowInput) {
  if (!("$transaction" in prisma)) return writeVersionRow(prisma, v);
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction((tx) => writeVersionRow(tx, v));
    } catch (e) {
      if (attempt >= MAX_ATTEMPTS || !isUniqueViolation(e)) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
    }
  }
}

async function writeVersionRow(tx: Prisma.TransactionClient, v: VersionRowInput) {
  const existing = await tx.dataset.findUnique({
    where: { teamId_name: { teamId: v.teamId, name: v.datasetName } },
  });
  const dataset = existing
    ? await tx.dataset.update({
        where: { id: existing.id },
        data: { updatedAt: new Date(), ...(v.description !== undefined ? { description: v.description } : {}) },
      })
    : await tx.dataset.create({
        data: { teamId: v.teamId, name: v.datasetName, description: v.description ?? null },
      });
  const last = await tx.datasetVersion.aggregate({ where: { datasetId: dataset.id }, _max: { version: true } });
  return tx.datasetVersion.create({
    data: {
      datasetId: dataset.id,
      version: (last._max.version ?? 0) + 1,
      blobKey: v.blobKey,
      filename: v.filename,
      container: v.result.container,
      format: v.result.format,
      rowCount: v.result.rows,
      bytes: BigInt(v.bytes),
      sha256: v.sha256,
      profile: v.result.profile as unknown as Prisma.InputJsonValue,
      readiness: (v.result.readiness ?? undefined) as unknown as Prisma.InputJsonValue | undefined,
      sketchKey: v.sketchKey,
      parentVersionId: v.derivedFrom?.parentVersionId ?? null,
      derivation: (v.derivedFrom?.derivation ?? undefined) as unknown as Prisma.InputJsonValue | undefined,
      createdById: v.userId,
    },
    include: { dataset: true },
  });
}
