import {
  FORMATS_FOR_TECHNIQUE,
  resolveGradientCheckpointing,
  resolveTechniqueHyperparameters,
  type JobSpec,
} from "@whetstone/core";
import { audit } from "../audit/audit";
import { assertJobDataReady } from "../datasets/readiness/get-job-readiness";
import { AppError } from "../errors";
import { admitJob } from "../scheduling/admission";
import { estimateJobSpec } from "../scheduling/estimate-job-spec";
import { planGpus } from "../scheduling/plan-gpus";
import { rebalanceQueue } from "../scheduling/rebalance-queue";
import type { ApiDeps } from "../trpc";
import { EnqueueError, enqueueTrainingJob } from "./enqueue-training-job";
import { stateEventMessage } from "./job-events";
import { checkValidationSet } from "./validation-set";

export interface CreateJobActor {
  teamId: string;
  userId: string;
}

/**
 * Validates a job spec against the database and creates the job.
 *
 * The row, its JobDataset rows and its first state event are written in one transaction (state `queued`,
 * `enqueuedAt` null); then the job is put on the queue. If the enqueue fails because Redis is unreachable, the job
 * stays accepted: the worker's reconciler enqueues every `queued` job whose `enqueuedAt` is null
 * (docs/decisions/0001-job-enqueue.md).
 */
export async function createJob(deps: Pick<ApiDeps, "prisma" | "trainingQueue">, actor: CreateJobActor, spec: JobSpec) {
  const { prisma } = deps;

  const baseModel = await prisma.baseModel.findFirst({
    where: { id: spec.baseModelId, OR: [{ teamId: actor.teamId }, { teamId: null }] },
    select: { id: true, name: true, contextLength: true },
  });
  if (!baseModel) {
    throw new AppError("NOT_FOUND", `base model "${spec.baseModelId}" not found in this team`, {
      field: "baseModelId",
    });
  }
  assertFitsContext(baseModel, spec.hyperparameters.maxSeqLength);

  const allowed: readonly string[] = FORMATS_FOR_TECHNIQUE[spec.technique];
  const versions = await prisma.datasetVersion.findMany({
    where: { id: { in: spec.datasets.map((d) => d.datasetVersionId) }, dataset: { teamId: actor.teamId } },
    select: { id: true, format: true, version: true, dataset: { select: { name: true } } },
  });
  const byId = new Map(versions.map((v) => [v.id, v]));
  spec.datasets.forEach((entry, i) => {
    const field = `datasets.${i}.datasetVersionId`;
    const v = byId.get(entry.datasetVersionId);
    if (!v)
      throw new AppError("NOT_FOUND", `dataset version "${entry.datasetVersionId}" not found in this team`, {
        field,
      });
    if (!allowed.includes(v.format)) {
      throw new AppError(
        "BAD_REQUEST",
        `dataset "${v.dataset.name}" v${v.version} is in format "${v.format}"; technique "${spec.technique}" needs one of: ${allowed.join(", ")}`,
        { field, format: v.format, allowed },
      );
    }
  });

  const validationSetId = await checkValidationSet(prisma, actor.teamId, spec);

  // Data a readiness check blocks (personal data, conflicting labels, too few examples…) is refused unless the
  // caller overrides with a reason, which the audit log keeps.
  const blocked = await assertJobDataReady(
    prisma,
    actor.teamId,
    spec.datasets.map((d) => d.datasetVersionId),
    spec.readinessOverride,
  );

  // GPU memory the job needs (estimator); a job that fits no registered runner is refused now.
  const estimated = await estimateJobSpec(prisma, actor.teamId, spec);
  const { estimate } = estimated;
  // …and on as many GPUs as it asks for: DDP, or FSDP when it does not fit one (decision 0014).
  const { requiredVramMb, parallelism } = await planGpus(prisma, spec.gpuCount, estimate, estimated.requiredVramMb);

  const now = new Date();
  const name =
    spec.name ?? `${baseModel.name} · ${spec.technique} · ${now.toISOString().slice(0, 16).replace("T", " ")}`;
  // Quota admission and the insert in one transaction under the team's lock (docs/decisions/0004): `queued`, or
  // `pending_quota` with the reason; a team whose monthly GPU-hours are spent is refused (429).
  const { result: job, decision } = await admitJob(prisma, actor, (tx, d) =>
    tx.fineTuneJob.create({
      data: {
        teamId: actor.teamId,
        createdById: actor.userId,
        name,
        baseModelId: baseModel.id,
        technique: spec.technique,
        method: spec.method,
        // The technique's own hyperparameters (a preference job's beta) resolved, like every other one, and gradient
        // checkpointing as the runner will run it ("auto" → the estimator's pick from the memory fit).
        hyperparameters: {
          ...resolveTechniqueHyperparameters(spec.technique, spec.hyperparameters),
          gradientCheckpointing: resolveGradientCheckpointing(
            spec.hyperparameters.gradientCheckpointing,
            spec.method,
            estimate,
          ),
        },
        labels: spec.labels ?? [],
        validationSplit: spec.hyperparameters.validationSplit,
        seed: spec.hyperparameters.seed,
        priority: spec.priority,
        requiredVramMb,
        gpuCount: spec.gpuCount,
        parallelism,
        state: d.state,
        pendingReason: d.pendingReason,
        queuedAt: d.state === "queued" ? now : null,
        enqueuedAt: null,
        datasets: { create: spec.datasets.map((d) => ({ datasetVersionId: d.datasetVersionId, weight: d.weight })) },
        validationSetId,
        events: {
          create: { kind: "state", level: "info", message: stateEventMessage(d.state, d.pendingReason ?? "created") },
        },
      },
      select: { id: true },
    }),
    now,
    spec.gpuCount,
  );
  if (blocked.length && spec.readinessOverride) {
    await audit(prisma, {
      action: "job.readiness_override",
      actorUserId: actor.userId,
      teamId: actor.teamId,
      targetType: "job",
      targetId: job.id,
      details: { reason: spec.readinessOverride.reason, blocked },
    });
    await prisma.jobEvent.create({
      data: {
        jobId: job.id,
        kind: "platform",
        level: "warning",
        message: `started on data its readiness checks block (${blocked.map((b) => `${b.dataset} v${b.version}`).join(", ")}); reason given: ${spec.readinessOverride.reason}`,
      },
    });
  }
  if (decision.state !== "queued") return job;

  try {
    await withinDeadline(enqueueTrainingJob(deps, job.id), ENQUEUE_DEADLINE_MS);
  } catch (err) {
    if (err instanceof EnqueueError) {
      // The payload can never be built: fail the job now rather than let the reconciler retry forever.
      await prisma.fineTuneJob.update({
        where: { id: job.id },
        data: {
          state: "failed",
          error: err.message,
          finishedAt: new Date(),
          events: { create: { kind: "state", level: "error", message: stateEventMessage("failed", err.message) } },
        },
      });
      throw new AppError("BAD_REQUEST", err.message);
    }
    // Redis unreachable or similar: the job is committed and the reconciler will enqueue it.
    console.warn(`job ${job.id} accepted but not enqueued yet (${(err as Error).message}); the reconciler will retry`);
  }
  // Give the new job its place in the fair order of the queue (the worker also does this periodically).
  await withinDeadline(rebalanceQueue(deps), ENQUEUE_DEADLINE_MS).catch(() => undefined);
  return job;
}

/**
 * How long job creation waits for Redis after the row is committed. A slow or unreachable Redis must not hold the
 * request: the job is accepted, and the worker's reconciler enqueues it (enqueuedAt stays null) and rebalances.
 */
const ENQUEUE_DEADLINE_MS = 2_000;

/** `work`, or a rejection once `ms` have passed (the work goes on in the background; an enqueue is idempotent). */
function withinDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined); // a late failure is the reconciler's to repair
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A job whose sequences are longer than the base model's context length is refused, naming both numbers: the
 * model has no positions past its context, so training would fail on the runner (or silently truncate) after
 * waiting in the queue. A model registered without a context length is not checked (docs/decisions/0012).
 */
export function assertFitsContext(model: { name: string; contextLength: number | null }, maxSeqLength: number): void {
  if (model.contextLength == null || maxSeqLength <= model.contextLength) return;
  throw new AppError(
    "BAD_REQUEST",
    `hyperparameters.maxSeqLength ${maxSeqLength} is longer than the context length of base model "${model.name}" ` +
      `(${model.contextLength} tokens): use at most ${model.contextLength}`,
    { field: "hyperparameters.maxSeqLength", maxSeqLength, contextLength: model.contextLength },
  );
}
