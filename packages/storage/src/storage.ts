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
  list(prefix: string): Promise<BlobInfo[]>;
}
