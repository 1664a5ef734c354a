/**
 * Merged weights on request for a finished LoRA/QLoRA job (decision 0013, issue 12): a `merge` job on the training
 * queue whose runner writes `merged_model` artifacts under the job's own artifacts prefix; apps/worker adds them to the
 * job (runner-events/apply-merge-event.ts), so the archive download `kind=merged_model` serves them.
 *
 * No table of its own: the truth of "merged" is the job's `merged_model` artifacts, and the truth of "merging" is the
 * BullMQ job `merge_<jobId>` (added idempotently under that id, so a double click or a retried request enqueues one
 * merge). A merge that failed is removed from the queue when asked again, so it can be retried; its error stays in the
 * job's events. If Redis loses the queued merge, the job shows no merge and the button asks again.
 */
import type { Queue } from "bullmq";
import type { PrismaClient } from "@whetstone/db";
import { JOB_KINDS, mergeJobPayloadSchema, STORAGE_LAYOUT, storageKey, type MergeJobPayload } from "@whetstone/queue";
import { AppError, notFound } from "../errors";
import { MERGE_QUEUE_ID_PREFIX } from "../runner-events/apply-merge-event";
import { buildBaseModelRef } from "./base-model-ref";
import { WORK_JOB_OPTIONS } from "../runner-work/enqueue-work";

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

const PENDING = new Set(["waiting", "delayed", "prioritized", "waiting-children", "paused", "active"]);
export const mergeQueueJobId = (jobId: string) => `${MERGE_QUEUE_ID_PREFIX}${jobId}`;

type Deps = { prisma: PrismaClient; trainingQueue: Queue };

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
export async function getMergeStatus(deps: Deps, teamId: string, jobId: string): Promise<MergeStatus> {
  const job = await findJob(deps.prisma, teamId, jobId);
  const artifacts = await mergedArtifacts(deps.prisma, job.id);
  if (artifacts.length > 0) return { jobId: job.id, state: "merged", error: null, artifacts };
  const queued = await deps.trainingQueue.getJob(mergeQueueJobId(job.id));
  const state = queued ? await queued.getState() : null;
  if (state && PENDING.has(state)) return { jobId: job.id, state: "merging", error: null, artifacts };
  if (state === "failed") return { jobId: job.id, state: "failed", error: queued?.failedReason ?? null, artifacts };
  return { jobId: job.id, state: "none", error: null, artifacts };
}

export async function buildMergePayload(
  prisma: PrismaClient,
  job: { id: string; teamId: string; baseModelId: string },
) {
  const outputPrefix = storageKey(STORAGE_LAYOUT.jobOutput, { jobId: job.id });
  const fail = (m: string) => new AppError("PRECONDITION_FAILED", `job ${job.id} cannot be merged: ${m}`);
  const payload: MergeJobPayload = mergeJobPayloadSchema.parse({
    kind: "merge",
    schemaVersion: 1,
    jobId: job.id,
    teamId: job.teamId,
    baseModel: await buildBaseModelRef(prisma, job.baseModelId, fail),
    adapter: storageKey(STORAGE_LAYOUT.artifacts, { outputPrefix }),
    outputPrefix,
  });
  return payload;
}

/**
 * Asks for the merged weights of a job. Refused (412) for a job that has not succeeded or was a full fine-tune;
 * a job that already has merged weights is answered with them, a merge already under way with its state.
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
  const status = await getMergeStatus(deps, teamId, jobId);
  if (status.state === "merged" || status.state === "merging") return status;
  const payload = await buildMergePayload(deps.prisma, job);
  const queueJobId = mergeQueueJobId(job.id);
  if (status.state === "failed") await (await deps.trainingQueue.getJob(queueJobId))?.remove();
  await deps.trainingQueue.add(JOB_KINDS.merge.jobName, payload, { ...WORK_JOB_OPTIONS, jobId: queueJobId });
  return { jobId: job.id, state: "merging", error: null, artifacts: [] };
}
