/**
 * No I/O inside an event's transaction: the documents a success is checked against (an evaluation's report, a score
 * job's selection, a simulation's report) are read from blob storage before the transaction opens, and the rules of
 * packages/api read them from memory. A transaction then holds its row lock and its pool connection only for database
 * work. Storage being unreachable here throws before anything is written: the event is retried, as before.
 */
import { Readable } from "node:stream";
import type { RunnerEvent } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";

/** The artifact kinds the worker reads when it applies a success (small JSON/JSONL documents). */
const READ_ON_SUCCESS = new Set(["eval_report", "selection", "simulation_report"]);
const MAX_PREFETCH_BYTES = 64 << 20;

/** `storage`, answering `stat`/`get` for the documents of a success from memory (read now). */
export async function prefetchSuccessDocuments(storage: BlobStorage, event: RunnerEvent): Promise<BlobStorage> {
  if (event.type !== "state" || event.state !== "succeeded") return storage;
  const keys = event.artifacts
    .filter((a) => READ_ON_SUCCESS.has(a.kind) && a.bytes <= MAX_PREFETCH_BYTES)
    .map((a) => a.key);
  if (keys.length === 0) return storage;
  const blobs = new Map<string, Buffer | null>();
  for (const key of keys) {
    if (!(await storage.stat(key))) {
      blobs.set(key, null);
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array));
    blobs.set(key, Buffer.concat(chunks));
  }
  return {
    put: (key, body) => storage.put(key, body),
    delete: (key) => storage.delete(key),
    list: (prefix) => storage.list(prefix),
    stat: async (key) => {
      if (!blobs.has(key)) return storage.stat(key);
      const b = blobs.get(key);
      return b ? { key, bytes: b.length } : null;
    },
    get: async (key) => {
      const b = blobs.get(key);
      return b ? Readable.from([b]) : storage.get(key);
    },
  };
}
