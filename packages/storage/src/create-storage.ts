import { fileURLToPath } from "node:url";
import { LocalStorage } from "./local-storage";
import type { BlobStorage } from "./storage";

/**
 * Storage from a URL: `file:///var/lib/whetstone/blobs` (a local directory) or `s3://bucket/prefix`
 * (S3-compatible; endpoint and credentials from the options, e.g. MinIO).
 */
export async function createStorage(
  url: string,
  s3?: { endpoint?: string; region?: string; accessKeyId?: string; secretAccessKey?: string },
): Promise<BlobStorage> {
  const u = new URL(url);
  if (u.protocol === "file:") return new LocalStorage(fileURLToPath(u));
  if (u.protocol === "s3:") {
    const { S3Storage } = await import("./s3-storage");
    return new S3Storage(u.hostname, u.pathname.replace(/^\//, ""), s3 ?? {});
  }
  throw new Error(`unsupported STORAGE_URL scheme "${u.protocol}" (use file:// or s3://)`);
}
