/**
 * What a succeeded job leaves behind: its artifacts, and a model a later job can start from (transfer learning),
 * whose lineage runs through `parentId` to the base the job trained.
 */
import { STORAGE_LAYOUT, storageKey } from "@whetstone/queue";
import type { EventOf, Tx } from "./runner-event.types";

interface SucceededJob {
  id: string;
  teamId: string;
  name: string;
  method: string;
  baseModelId: string;
  baseModel: { parameterCount: bigint | null; contextLength: number | null };
}

/** Where a job's artifacts live in blob storage: `jobs/{jobId}/artifacts/`. */
export function jobArtifactsPrefix(jobId: string): string {
  return storageKey(STORAGE_LAYOUT.artifacts, { outputPrefix: storageKey(STORAGE_LAYOUT.jobOutput, { jobId }) });
}

export async function recordProducedModel(
  tx: Tx,
  job: SucceededJob,
  artifacts: EventOf<"state">["artifacts"],
): Promise<{ id: string }> {
  if (artifacts.length > 0) {
    await tx.artifact.createMany({
      data: artifacts.map((a) => ({
        jobId: job.id,
        kind: a.kind,
        name: a.name,
        key: a.key,
        bytes: BigInt(a.bytes),
        sha256: a.sha256,
      })),
      skipDuplicates: true,
    });
  }
  const model = {
    teamId: job.teamId,
    name: job.name,
    source: "artifact" as const,
    ref: jobArtifactsPrefix(job.id),
    artifactKind: job.method === "full" ? "merged" : "adapter",
    parentId: job.baseModelId,
    parameterCount: job.baseModel.parameterCount,
    contextLength: job.baseModel.contextLength,
  };
  return tx.baseModel.upsert({
    where: { sourceJobId: job.id },
    create: { ...model, sourceJobId: job.id },
    update: model,
    select: { id: true },
  });
}
