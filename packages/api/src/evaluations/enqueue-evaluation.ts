/**
 * Puts an evaluation on the BullMQ `training` queue, crash-safe like a training job (docs/decisions/0001): the row is
 * committed first (`queued`, `enqueuedAt` null), the add is idempotent (BullMQ job id = evaluation id), `enqueuedAt`
 * is set after. The reconciler calls this again for a `queued` evaluation whose `enqueuedAt` is still null.
 */
import type { JobsOptions } from "bullmq";
import { JOB_KINDS } from "@whetstone/queue";
import { EnqueueError } from "../jobs/enqueue-training-job";
import type { ApiDeps } from "../trpc";
import { buildEvaluationPayload } from "./build-evaluation-payload";

/**
 * Frozen production settings of an evaluation's BullMQ job. Priority 1: ahead of the waiting training jobs (which the
 * fair-order rebalance numbers from 1 up): an evaluation is short and someone is waiting for the verdict.
 */
export const EVALUATION_JOB_OPTIONS = Object.freeze({
  attempts: 3,
  backoff: { type: "exponential", delay: 30_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
  priority: 1,
} satisfies JobsOptions);

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue">;

/** Adds the evaluation to the queue (idempotent) and records `enqueuedAt`; one no longer `queued` is left alone. */
export async function enqueueEvaluation(deps: Deps, evaluationId: string): Promise<void> {
  const e = await deps.prisma.evaluation.findUnique({ where: { id: evaluationId }, select: { state: true } });
  if (!e) throw new EnqueueError(evaluationId, "evaluation not found", "evaluation");
  if (e.state !== "queued") return;
  const payload = await buildEvaluationPayload(deps.prisma, evaluationId);
  await deps.trainingQueue.add(JOB_KINDS.evaluate.jobName, payload, { ...EVALUATION_JOB_OPTIONS, jobId: evaluationId });
  await deps.prisma.evaluation.updateMany({
    where: { id: evaluationId, enqueuedAt: null },
    data: { enqueuedAt: new Date() },
  });
}

/** Marks a `queued` evaluation failed (its payload can never be built). Returns whether it moved. */
export async function failEvaluation(prisma: Deps["prisma"], evaluationId: string, reason: string): Promise<boolean> {
  const { count } = await prisma.evaluation.updateMany({
    where: { id: evaluationId, state: "queued" },
    data: { state: "failed", error: reason, finishedAt: new Date() },
  });
  return count === 1;
}

export type EnqueueOutcome = "enqueued" | "failed" | "retry" | "skipped";

/**
 * enqueueEvaluation, turning a payload that can never be built into a failed evaluation. "retry": Redis or the
 * database was unreachable; the reconciler tries again (the evaluation is committed with `enqueuedAt` null).
 * "skipped": the payload cannot be built but the evaluation left `queued` meanwhile (cancelled).
 */
export async function enqueueEvaluationOrFail(
  deps: Deps,
  evaluationId: string,
): Promise<{ outcome: EnqueueOutcome; reason?: string }> {
  try {
    await enqueueEvaluation(deps, evaluationId);
    return { outcome: "enqueued" };
  } catch (err) {
    const reason = (err as Error).message;
    if (!(err instanceof EnqueueError)) return { outcome: "retry", reason };
    return (await failEvaluation(deps.prisma, evaluationId, reason))
      ? { outcome: "failed", reason }
      : { outcome: "skipped", reason };
  }
}
