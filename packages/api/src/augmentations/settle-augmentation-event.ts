/**
 * After an augmentation's runner event is committed (or failed to commit), apps/worker calls this: a prepared version
 * file no row took is deleted (settlePreparedAugmentation), and an augmentation that ended `cancelled` or `failed`
 * makes no version, so what its runner wrote under its prefix is deleted. Reads the rows, so it is idempotent and
 * right after a retry too. Never throws.
 */
import type { PrismaClient } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";
import { deleteAugmentationFiles } from "./augmentation-files";
import { settlePreparedAugmentation, type PreparedAugmentation } from "./prepare-augmented-version";

export interface SettleLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export async function settleAugmentationEvent(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  event: RunnerEvent,
  prepared: PreparedAugmentation | undefined,
  log: SettleLog,
): Promise<void> {
  await settlePreparedAugmentation(deps, prepared, log);
  if (event.type !== "state" || event.kind !== "augment") return;
  if (event.state !== "cancelled" && event.state !== "failed") return;
  try {
    const row = await deps.prisma.augmentation.findUnique({ where: { id: event.jobId }, select: { state: true } });
    if (row?.state === "cancelled" || row?.state === "failed") await deleteAugmentationFiles(deps.storage, event.jobId);
  } catch (err) {
    log.warn("could not delete the files of an augmentation that ended without a version", {
      augmentationId: event.jobId,
      err,
    });
  }
}
