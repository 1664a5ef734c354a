/**
 * A merge (merged weights on request, decision 0013) as runner work (runner-work/work-kinds.ts): its MergeJob row is
 * enqueued, applied and reconciled by the same code as evaluations' and active learning's work — a merge Redis lost
 * is enqueued again, one whose runner went silent is handed back, one whose payload can never be built fails with
 * the reason. Its success adds the `merged_model` artifacts it reports to the fine-tuning job (only files under that
 * job's own artifacts prefix), so the archive download `kind=merged_model` serves them.
 */
import { mergeJobPayloadSchema, STORAGE_LAYOUT, storageKey } from "@whetstone/queue";
import type { SucceededContext, SucceededOutcome, WorkKindSpec } from "../runner-work/work-kinds";
import { buildBaseModelRef } from "./base-model-ref";
import { EnqueueError } from "./enqueue-training-job";

export async function buildMergeWorkPayload(prisma: Parameters<WorkKindSpec["buildPayload"]>[0], id: string) {
  const row = await prisma.mergeJob.findUnique({
    where: { id },
    select: { job: { select: { id: true, teamId: true, baseModelId: true } } },
  });
  if (!row) throw new EnqueueError(id, "merge not found", "merge");
  const { job } = row;
  const outputPrefix = storageKey(STORAGE_LAYOUT.jobOutput, { jobId: job.id });
  return mergeJobPayloadSchema.parse({
    kind: "merge",
    schemaVersion: 1,
    jobId: job.id,
    teamId: job.teamId,
    baseModel: await buildBaseModelRef(prisma, job.baseModelId, (m) => new EnqueueError(id, m, "merge")),
    adapter: storageKey(STORAGE_LAYOUT.artifacts, { outputPrefix }),
    outputPrefix,
  });
}

async function mergeSucceeded({ tx, id, event }: SucceededContext): Promise<SucceededOutcome> {
  const { jobId } = await tx.mergeJob.findUniqueOrThrow({ where: { id }, select: { jobId: true } });
  // Only files under the job's own artifacts prefix: a runner cannot attach another job's files to this one.
  const prefix = storageKey(STORAGE_LAYOUT.artifacts, {
    outputPrefix: storageKey(STORAGE_LAYOUT.jobOutput, { jobId }),
  });
  const merged = event.artifacts.filter((a) => a.kind === "merged_model" && a.key.startsWith(prefix));
  if (merged.length === 0) return { ok: false, reason: `it reported no merged_model artifact under ${prefix}` };
  await tx.artifact.createMany({
    data: merged.map((a) => ({
      jobId,
      kind: a.kind,
      name: a.name,
      key: a.key,
      bytes: BigInt(a.bytes),
      sha256: a.sha256,
    })),
    skipDuplicates: true,
  });
  return { ok: true, data: {} };
}

export const MERGE_WORK: WorkKindSpec = {
  kind: "merge",
  table: "MergeJob",
  noun: "merge",
  teamWhere: (teamId) => ({ job: { teamId } }),
  progress: { done: "steps_done", total: "steps_total", doneColumn: "stepsDone", totalColumn: "stepsTotal" },
  delegate: (client) => client.mergeJob as unknown as ReturnType<WorkKindSpec["delegate"]>,
  buildPayload: buildMergeWorkPayload,
  succeeded: mergeSucceeded,
};
