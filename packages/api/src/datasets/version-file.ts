/**
 * Reading a dataset version's file. A version whose file is gone from storage (deleted by hand, a lost volume, a
 * bucket policy) is a clear 409 CONFLICT naming the version (`details.kind = "version_file_missing"`), in the one
 * error shape, not a 500 with ENOENT; storage being unreachable still throws as it is.
 */
import type { Readable } from "node:stream";
import type { BlobStorage } from "@whetstone/storage";
import { AppError } from "../errors";

export interface VersionFileRef {
  id: string;
  version?: number;
  blobKey: string;
  filename?: string;
  dataset?: { name: string };
}

export function versionFileMissing(v: VersionFileRef): AppError {
  const name =
    v.version === undefined
      ? "this dataset version"
      : v.dataset
        ? `"${v.dataset.name}" v${v.version}`
        : `version v${v.version}`;
  const file = v.filename ?? v.blobKey.split("/").pop();
  return new AppError(
    "CONFLICT",
    `the file of ${name} (${file}) is missing from storage; upload the data again as a new version`,
    { kind: "version_file_missing", datasetVersionId: v.id, version: v.version ?? null },
  );
}

/** The version's file as a stream; versionFileMissing when storage no longer has it. */
export async function openVersionFile(storage: BlobStorage, v: VersionFileRef): Promise<Readable> {
  try {
    return await storage.get(v.blobKey);
  } catch (err) {
    if ((await storage.stat(v.blobKey).catch(() => undefined)) === null) throw versionFileMissing(v);
    throw err;
  }
}
