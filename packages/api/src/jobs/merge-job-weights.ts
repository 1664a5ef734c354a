/**
 * Merged weights on request for a finished LoRA/QLoRA job (decision 0013, issue 12): a `merge` job on the training
 * queue whose runner writes `merged_model` artifacts under the job's own artifacts prefix; its success adds them to
 * the job (jobs/merge-work.ts), so the archive download `kind=merged_model` serves them.
 *
 * A merge is runner work with a row of its own (MergeJob; runner-work/): committed `queued`, then enqueued under the
 * row's id, so the reconciler enqueues it again if Redis lost it and hands it back if its runner went silent, and the
 * runner's heartbeats meter its GPU time to the job's team. The truth of "merged" is the job's `merged_model`
 * artifacts; of "merging", an unfinished row (one at a time per job, under a lock); of "failed", the newest row.
 */
import type { PrismaClient } from "@whetstone/db";
import { AppError, notFound } from "../errors";
import { enqueueWorkOrFail } from "../runner-work/enqueue-work";
import type { ApiDeps } from "../trpc";

export type MergeState = "none" | "merging" | "merged" | "failed";
export interface MergeArtifact {
  id: string;
  kind: string;
  name: string;
  key: string;
  bytes: number;
  sha256: string;
  createdAt: Date;
}
export interface MergeStatus {
  jobId: string;
  state: MergeState;
  error: string | null;
  artifacts: MergeArtifact[];
}

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue">;

async function findJob(prisma: PrismaClient, teamId: string, jobId: string) {
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: jobId, teamId },
    select: { id: true, teamId: true, state: true, method: true, baseModelId: true },
  });
  if (!job) throw notFound(`job "${jobId}"`);
  return job;
}

async function mergedArtifacts(prisma: PrismaClient, jobId: string): Promise<MergeArtifact[]> {
  const rows = await prisma.artifact.findMany({
    where: { jobId, kind: "merged_model" },
    orderBy: { name: "asc" },
    select: { id: true, kind: true, name: true, key: true, bytes: true, sha256: true, createdAt: true },
  });
  return rows.map((a) => ({ ...a, bytes: Number(a.bytes) }));
}

/** Where the merge of a job stands: merged (its artifacts), merging (queued or running), failed (why), or none. */
export async function getMergeStatus(deps: Pick<Deps, "prisma">, teamId: string, jobId: string): Promise<MergeStatus> {
  const job = await findJob(deps.prisma, teamId, jobId);
  const artifacts = await mergedArtifacts(deps.prisma, job.id);
  if (artifacts.length > 0) return { jobId: job.id, state: "merged", error: null, artifacts };
  const last = await deps.prisma.mergeJob.findFirst({
    where: { jobId: job.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { state: true, error: true },
  });
  if (last && (last.state === "queued" || last.state === "running"))
    return { jobId: job.id, state: "merging", error: null, artifacts };
  if (last?.state === "failed") return { jobId: job.id, state: "failed", error: last.error, artifacts };
  return { jobId: job.id, state: "none", error: null, artifacts };
}

/**
 * Asks for the merged weights of a job. Refused (412) for a job that has not succeeded or was a full fine-tune;
 * a job that already has merged weights is answered with them, a merge already under way with its state. A failed
 * merge is asked again with a new row. If Redis is unreachable the merge stays `queued` and the reconciler enqueues it.
 */
export async function requestMerge(deps: Deps, teamId: string, jobId: string): Promise<MergeStatus> {
  const job = await findJob(deps.prisma, teamId, jobId);
  if (job.state !== "succeeded") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `job ${job.id} is ${job.state}; only a job that succeeded has an adapter to merge`,
      { state: job.state },
    );
  }
  if (job.method === "full") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `job ${job.id} is a full fine-tune: its model artifacts are already the complete weights, there is no adapter to merge`,
    );
  }
  // One merge at a time per job: a double click or two callers at once create one row.
  const created = await deps.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${"merge:" + job.id}))`;
    if (await tx.artifact.count({ where: { jobId: job.id, kind: "merged_model" } })) return null;
    const open = await tx.mergeJob.count({ where: { jobId: job.id, state: { in: ["queued", "running"] } } });
    if (open) return null;
    return tx.mergeJob.create({ data: { jobId: job.id, state: "queued" }, select: { id: true } });
  });
  if (created) {
    const r = await enqueueWorkOrFail(deps, "merge", created.id);
    if (r.outcome === "retry") console.warn(`merge ${created.id} not enqueued yet (${r.reason}); the reconciler will`);
  }
  return getMergeStatus(deps, teamId, jobId);
}
