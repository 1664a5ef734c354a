/**
 * An augmentation as runner work (runner-work/work-kinds.ts): enqueued, applied, cancelled and reconciled by the same
 * code as active learning's work. Its success records the runner's summary and its augmented_rows artifact, and
 * writes the new dataset version's row in the same transaction (its file was stored before: prepare-augmented-version.ts),
 * so the version exists as soon as the success does.
 */
import type { Prisma } from "@whetstone/db";
import { createVersionRow } from "../datasets/ingest-dataset";
import type { SucceededContext, SucceededOutcome, WorkKindSpec } from "../runner-work/work-kinds";
import { buildAugmentationPayload } from "./build-augmentation-payload";

async function augmentSucceeded({ tx, id, event, opts }: SucceededContext): Promise<SucceededOutcome> {
  const artifact = event.artifacts.find((a) => a.kind === "augmented_rows");
  if (!artifact) return { ok: false, reason: "it wrote no augmented_rows artifact" };
  const prepared = opts.prepared?.augmentationId === id ? opts.prepared : undefined;
  // Thrown, not failed: the event is retried by a caller that prepares it (apps/worker always does).
  if (!prepared)
    throw new Error(`the success of augmentation ${id} needs its version prepared (prepareAugmentedVersion)`);
  if (prepared.failure !== undefined) return { ok: false, reason: prepared.failure };
  const version = await createVersionRow(tx, prepared.stored);
  return {
    ok: true,
    data: {
      resultVersionId: version.id,
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
  handBackLimit: 3,
  progress: { done: "rows_done", total: "rows_total", doneColumn: "rowsDone", totalColumn: "rowsTotal" },
  // Not ahead of training jobs (active learning's work is what labellers wait for; an augmentation is not). Its
  // BullMQ job may carry an admin-configured endpoint's key: kept an hour after it ends (not days; the reconciler's
  // grace is a minute), then gone from Redis.
  jobOptions: { priority: undefined, removeOnComplete: { age: 3600 }, removeOnFail: { age: 3600 } },
  delegate: (client) => client.augmentation as unknown as ReturnType<WorkKindSpec["delegate"]>,
  buildPayload: buildAugmentationPayload,
  succeeded: augmentSucceeded,
};
