/**
 * Puts a fine-tuning job on the BullMQ `training` queue. Crash-safe by design (docs/decisions/0001-job-enqueue.md):
 *
 * 1. the job row is committed first (state `queued`, `enqueuedAt` null) — Postgres is the source of truth;
 * 2. this function builds the payload from the database and adds it with BullMQ `jobId` = the job's id,
 *    so a second add of the same job is a no-op (BullMQ keeps the first);
 * 3. it then sets `enqueuedAt`.
 *
 * If the process dies between 1 and 3, the worker's reconciler finds the `queued` row with `enqueuedAt` null and
 * calls this function again. Calling it any number of times is safe.
 */
import type { JobsOptions } from "bullmq";
import {
  DEFAULT_HYPERPARAMETERS,
  resolveGradientCheckpointing,
  resolveTechniqueHyperparameters,
} from "@whetstone/core";
import {
  JOB_KINDS,
  STORAGE_LAYOUT,
  storageKey,
  trainingJobPayloadSchema,
  type TrainingJobPayload,
} from "@whetstone/queue";
import type { ApiDeps } from "../trpc";
import { buildBaseModelRef } from "./base-model-ref";
import { payloadDatasets } from "./payload-datasets";

/** Frozen production settings of a training BullMQ job. */
export const TRAINING_JOB_OPTIONS = Object.freeze({
  attempts: 3,
  backoff: { type: "exponential", delay: 30_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
  // Last in line until the fair-order rebalance gives the job its place (an unprioritized BullMQ job would be
  // taken before every prioritized one). BullMQ's largest priority; see scheduling/rebalance-queue.ts.
  priority: 2_097_151,
} satisfies JobsOptions);

type EnqueueDeps = Pick<ApiDeps, "prisma" | "trainingQueue">;

/** A payload that can never be built (a lineage that no longer resolves…): the job or evaluation is failed, not retried. */
export class EnqueueError extends Error {
  constructor(
    readonly jobId: string,
    message: string,
    what: string = "job",
  ) {
    super(`cannot enqueue ${what} ${jobId}: ${message}`);
    this.name = "EnqueueError";
  }
}

/** Builds the queue payload of a job from the database, validated against the shared contract. */
export async function buildTrainingJobPayload(
  prisma: EnqueueDeps["prisma"],
  jobId: string,
): Promise<TrainingJobPayload> {
  const job = await prisma.fineTuneJob.findUnique({
    where: { id: jobId },
    include: {
      datasets: { include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } },
      validationSet: { include: { dataset: { select: { name: true } } } },
    },
  });
  if (!job) throw new EnqueueError(jobId, "job not found");
  // A job stored before testSplit existed (decision 0007) gets its default, as the API resolves it today.
  const stored = job.hyperparameters as { gradientCheckpointing?: boolean | "auto" };
  const hyperparameters = {
    ...resolveTechniqueHyperparameters(job.technique, { testSplit: DEFAULT_HYPERPARAMETERS.testSplit, ...stored }),
    // Stored resolved since the option exists; a job from before it runs as the runner always ran it (QLoRA only).
    gradientCheckpointing: resolveGradientCheckpointing(stored.gradientCheckpointing ?? "auto", job.method, null),
  };
  const payload = {
    kind: "train",
    schemaVersion: 1,
    jobId: job.id,
    teamId: job.teamId,
    technique: job.technique,
    method: job.method,
    hyperparameters,
    baseModel: await buildBaseModelRef(prisma, job.baseModelId, (m) => new EnqueueError(job.id, m)),
    datasets: payloadDatasets(job.datasets),
    validationDatasets: job.validationSet
      ? payloadDatasets([{ datasetVersionId: job.validationSet.id, datasetVersion: job.validationSet }])
      : [],
    labels: job.labels.length > 0 ? job.labels : null,
    outputPrefix: storageKey(STORAGE_LAYOUT.jobOutput, { jobId: job.id }),
    requiredVramMb: job.requiredVramMb,
    distributed: { processes: job.gpuCount, strategy: job.parallelism },
  };
  const parsed = trainingJobPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new EnqueueError(jobId, `payload does not match the queue contract: ${parsed.error.message}`);
  }
  return parsed.data;
}

/**
 * Adds the job to the `training` queue (idempotent) and records `enqueuedAt`. A job that is no longer `queued`
 * (cancelled meanwhile, or sent to `pending_quota` by the worker's admission) is left alone.
 */
export async function enqueueTrainingJob(deps: EnqueueDeps, jobId: string): Promise<void> {
  const job = await deps.prisma.fineTuneJob.findUnique({ where: { id: jobId }, select: { state: true } });
  if (!job) throw new EnqueueError(jobId, "job not found");
  if (job.state !== "queued") return;

  const payload = await buildTrainingJobPayload(deps.prisma, jobId);
  // BullMQ dedupes on jobId: while a job with this id exists in the queue, add() returns it and adds nothing.
  await deps.trainingQueue.add(JOB_KINDS.train.jobName, payload, { ...TRAINING_JOB_OPTIONS, jobId });
  await deps.prisma.fineTuneJob.updateMany({
    where: { id: jobId, enqueuedAt: null },
    data: { enqueuedAt: new Date() },
  });
}
