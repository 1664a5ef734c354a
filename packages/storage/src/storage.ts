import type { Readable } from "node:stream";

export interface BlobInfo {
  key: string;
  bytes: number;
}

/**
 * Blob storage addressed by keys relative to one root (`datasets/<team>/<version>/data.jsonl`).
 * Web, worker and runner share data only through it: a local directory by default, S3-compatible as an option.
 */
export interface BlobStorage {
  /** Writes a stream to `key`; the blob appears whole or not at all (temp file + rename, or one S3 upload). */
  put(key: string, body: Readable | AsyncIterable<Uint8Array>): Promise<BlobInfo>;
  get(key: string): Promise<Readable>;
  stat(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<void>;
  /** Complete blobs under `prefix`; never a write still in progress or left unfinished. */
  list(prefix: string): Promise<BlobInfo[]>;
  /**
   * Removes what writes that never finished left behind (a process killed mid-put): local `*.partial` files (and the
   * runner's older `*.part`) not modified since `olderThan`, S3 multipart uploads initiated before it. Returns the
   * keys (or temp file names) removed. Called by the worker's storage sweeper.
   */
  removeUnfinished?(olderThan: Date): Promise<string[]>;
}

/**
 * The storage itself failed (disk full, read-only, unreachable S3…), as opposed to the data written or read: callers
 * answer "try again later" (HTTP 503) rather than blame the request. `insufficientSpace` when the disk or quota is full.
 */
export class StorageError extends Error {
  readonly insufficientSpace: boolean;
  constructor(
    message: string,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
    this.insufficientSpace = code === "ENOSPC" || code === "EDQUOT";
  }
}
