import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";

/**
 * Dataset blobs no DatasetVersion points to. ingestDataset writes the row only after the blob is complete and
 * deletes the blob on any error it sees, so an orphan can only come from a crash (or a lost connection) between
 * the two steps, and is always the file (and its duplicate sketch) under `datasets/<teamId>/<uuid>/`.
 *
 * A blob of an upload still in flight is also "orphan" for a moment (complete, row not yet committed): a sweeper
 * must delete only keys it found in two runs some minutes apart, e.g. keep the previous result and pass it as
 * `previous`; only keys in both lists are returned.
 */
export async function findOrphanDatasetBlobs(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  previous?: readonly string[],
): Promise<string[]> {
  const blobs = await deps.storage.list("datasets/");
  if (blobs.length === 0) return [];
  const known = new Set<string>();
  const keys = blobs.map((b) => b.key);
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const rows = await deps.prisma.datasetVersion.findMany({
      where: { OR: [{ blobKey: { in: batch } }, { sketchKey: { in: batch } }] },
      select: { blobKey: true, sketchKey: true },
    });
    for (const r of rows) {
      known.add(r.blobKey);
      if (r.sketchKey) known.add(r.sketchKey);
    }
  }
  const orphans = keys.filter((k) => !known.has(k));
  if (!previous) return orphans;
  const before = new Set(previous);
  return orphans.filter((k) => before.has(k));
}
