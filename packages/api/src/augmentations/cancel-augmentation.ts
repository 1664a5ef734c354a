/**
 * Cancels an augmentation that has not finished, as other runner work is cancelled (runner-work/cancel-work.ts): the
 * runner's cancel flag is set; one no runner holds yet leaves the queue and is `cancelled` now, one a runner holds is
 * `cancelled` when the runner reports it (the runner stops its process). A cancelled augmentation makes no dataset
 * version, and whatever the runner wrote under its prefix is deleted (here, or after the runner's `cancelled` is
 * committed: augmentation-files.ts). Another team's augmentation is a 404; a finished one a 412.
 */
import { cancelWork } from "../runner-work/cancel-work";
import type { ApiDeps } from "../trpc";
import { deleteAugmentationFiles } from "./augmentation-files";

export async function cancelAugmentation(
  deps: Pick<ApiDeps, "prisma" | "redis" | "trainingQueue" | "storage">,
  actor: { teamId: string },
  id: string,
) {
  const r = await cancelWork(deps, actor, "augment", id);
  if (r.immediate) await deleteAugmentationFiles(deps.storage, id);
  return deps.prisma.augmentation.findUniqueOrThrow({ where: { id } });
}
