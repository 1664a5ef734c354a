/**
 * What a killed web app leaves in blob storage, removed once it is surely abandoned (apps/worker runs this hourly):
 *
 * - unfinished writes: `.partial` files (S3: multipart uploads) untouched for `afterMs` (storage.removeUnfinished);
 * - orphan dataset blobs: files under `datasets/` that no DatasetVersion points to (findOrphanDatasetBlobs) and that
 *   have stayed orphan for `afterMs` of this sweeper's own observation (`state`, kept by the caller between runs; a
 *   restarted worker starts counting again, so it never deletes sooner). An upload in flight is orphan for a moment
 *   (its blob complete, its row not yet committed), far below the threshold.
 *
 * A per-upload folder (`datasets/<teamId>/<uuid>/`) that holds any file a version points to is left whole: only a
 * folder nobody references is an abandoned upload.
 */
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { findOrphanDatasetBlobs } from "./orphan-blobs";

export interface OrphanSweepState {
  /** Orphan key → when this sweeper first saw it orphan (ms). */
  orphanSince: Map<string, number>;
}

export interface OrphanSweepResult {
  removedUnfinished: string[];
  removedOrphans: string[];
}

const uploadFolder = (key: string) => key.split("/").slice(0, 3).join("/") + "/";

export async function sweepOrphanBlobs(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  state: OrphanSweepState,
  opts: { afterMs: number; now?: Date },
): Promise<OrphanSweepResult> {
  const now = (opts.now ?? new Date()).getTime();
  const removedUnfinished = (await deps.storage.removeUnfinished?.(new Date(now - opts.afterMs))) ?? [];

  const all = await deps.storage.list("datasets/");
  const orphans = new Set(await findOrphanDatasetBlobs(deps));
  const referencedFolders = new Set(all.filter((b) => !orphans.has(b.key)).map((b) => uploadFolder(b.key)));
  for (const key of state.orphanSince.keys()) if (!orphans.has(key)) state.orphanSince.delete(key);

  const removedOrphans: string[] = [];
  for (const key of orphans) {
    if (referencedFolders.has(uploadFolder(key))) continue;
    const since = state.orphanSince.get(key) ?? now;
    state.orphanSince.set(key, since);
    if (now - since < opts.afterMs) continue;
    await deps.storage.delete(key);
    state.orphanSince.delete(key);
    removedOrphans.push(key);
  }
  return { removedUnfinished, removedOrphans: removedOrphans.sort() };
}
