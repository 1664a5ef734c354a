/**
 * An augmentation as runner work (runner-work/work-kinds.ts): enqueued, applied, cancelled and reconciled by the same
 * code as active learning's work. Its success records the runner's summary and its augmented_rows artifact.
 */
import type { Prisma } from "@whetstone/db";
import type { SucceededContext, SucceededOutcome, WorkKindSpec } from "../runner-work/work-kinds";
import { buildAugmentationPayload } from "./build-augmentation-payload";

async function augmentSucceeded({ event }: SucceededContext): Promise<SucceededOutcome> {
  const artifact = event.artifacts.find((a) => a.kind === "augmented_rows");
  if (!artifact) return { ok: false, reason: "it wrote no augmented_rows artifact" };
  return {
    ok: true,
    data: {
      summary: {
        ...(event.summary ?? {}),
        artifact: { key: artifact.key, bytes: artifact.bytes, sha256: artifact.sha256 },
      } as Prisma.InputJsonObject,
    },
  };
}

export const AUGMENT_WORK: WorkKindSpec = {
  kind: "augment",
  table: "Augmentation",
  noun: "augmentation",
  teamWhere: (teamId) => ({ teamId }),
  progress: { done: "rows_done", total: "rows_total", doneColumn: "rowsDone", totalColumn: "rowsTotal" },
  // Not ahead of training jobs (active learning's work is what labellers wait for; an augmentation is not).
  jobOptions: { priority: undefined },
  delegate: (client) => client.augmentation as unknown as ReturnType<WorkKindSpec["delegate"]>,
  buildPayload: buildAugmentationPayload,
  succeeded: augmentSucceeded,
};
