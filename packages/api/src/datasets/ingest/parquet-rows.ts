/**
 * The rows of a Parquet upload, row group by row group. Parquet keeps its schema and the offsets of its row groups
 * in a footer at the END of the file, so it cannot be parsed as the bytes arrive: the upload is first spooled to a
 * temporary file (counted, hashed and size-limited as it is written), then read with hyparquet (pure JavaScript,
 * maintained; snappy built in, gzip/brotli/zstd/lz4 from hyparquet-compressors) through byte-range reads of that
 * file. Memory holds one decoded row group at a time, never the file: writers cut row groups at a size (pyarrow's
 * default is about 1M rows, Spark's 128 MB), so a file of many row groups is read in bounded memory.
 */
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { DatasetError, type DatasetRecord } from "@whetstone/core";

/** A temporary copy of the upload; `dispose()` removes it. */
export interface SpooledFile {
  path: string;
  dispose(): Promise<void>;
}

export async function spoolToTempFile(body: AsyncIterable<Uint8Array>): Promise<SpooledFile> {
  const dir = await mkdtemp(join(tmpdir(), "whetstone-upload-"));
  const path = join(dir, "upload.parquet");
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await pipeline(Readable.from(body), createWriteStream(path));
  } catch (e) {
    await dispose();
    throw e;
  }
  return { path, dispose };
}

/** A JSON value of what hyparquet decodes: int64 as a number (a string past 2^53), bytes as UTF-8 text, dates as ISO. */
export function toJsonValue(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") {
    return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v as ArrayLike<unknown>, toJsonValue);
  if (typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}

function unreadable(e: unknown): DatasetError {
  const why = e instanceof Error ? e.message : String(e);
  return new DatasetError("unsupported_file_type", `the Parquet file cannot be read: ${why}`, undefined, "file", {
    detectedType: "Parquet file",
    reason: why,
  });
}

/**
 * Every row of the Parquet file at `path`, in order, as `[row number (1-based), record]`, one row group decoded at
 * a time. A file hyparquet cannot read (damaged, an unsupported encoding) is a DatasetError naming the file.
 */
export async function* readParquetRows(path: string): AsyncGenerator<[number, DatasetRecord]> {
  const file = await asyncBufferFromFile(path);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (e) {
    throw unreadable(e);
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
    } catch (e) {
      throw unreadable(e);
    }
    for (let i = 0; i < rows.length; i++) yield [rowStart + i + 1, toJsonValue(rows[i]) as DatasetRecord];
    rowStart = rowEnd;
  }
}
