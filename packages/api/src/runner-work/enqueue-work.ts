/** Puts runner work (active learning, augmentations) on the `training` queue, crash-safe like evaluations (see work-kinds.ts). */
import type { JobsOptions } from "bullmq";
import { JOB_KINDS } from "@whetstone/queue";
import { EnqueueError } from "../jobs/enqueue-training-job";
import type { ApiDeps } from "../trpc";
import { workKind } from "./registry";
import type { PayloadSecrets, WorkKind } from "./work-kinds";

/**
 * Priority 1, like evaluations: ahead of waiting training jobs. Scoring is what labellers wait for; a simulation is
 * what decides whether to start labelling at all.
 */
export const WORK_JOB_OPTIONS = Object.freeze({
  attempts: 3,
  backoff: { type: "exponential", delay: 30_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
  priority: 1,
} satisfies JobsOptions);

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue"> & { config?: PayloadSecrets };

/** Adds the work to the queue (idempotent) and records `enqueuedAt`; work no longer `queued` is left alone. */
export async function enqueueWork(deps: Deps, kind: WorkKind, id: string): Promise<void> {
  const spec = workKind(kind);
  const row = await spec.delegate(deps.prisma).findUnique({ where: { id }, select: { state: true } });
  if (!row) throw new EnqueueError(id, `${spec.noun} not found`, spec.noun);
  if (row.state !== "queued") return;
  const payload = await spec.buildPayload(deps.prisma, id, deps.config);
  await deps.trainingQueue.add(JOB_KINDS[kind].jobName, payload, {
    ...WORK_JOB_OPTIONS,
    ...spec.jobOptions,
    jobId: id,
  });
  await spec.delegate(deps.prisma).updateMany({ where: { id, enqueuedAt: null }, data: { enqueuedAt: new Date() } });
}

export type WorkEnqueueOutcome = "enqueued" | "failed" | "retry" | "skipped";

/**
 * enqueueWork, turning a payload that can never be built into failed work. "retry": Redis or the database was
 * unreachable (the reconciler tries again); "skipped": it cannot be built but left `queued` meanwhile.
 */
export async function enqueueWorkOrFail(
  deps: Deps,
  kind: WorkKind,
  id: string,
): Promise<{ outcome: WorkEnqueueOutcome; reason?: string }> {
  try {
    await enqueueWork(deps, kind, id);
    return { outcome: "enqueued" };
  } catch (err) {
    const reason = (err as Error).message;
    if (!(err instanceof EnqueueError)) return { outcome: "retry", reason };
    const { count } = await workKind(kind)
      .delegate(deps.prisma)
      .updateMany({ where: { id, state: "queued" }, data: { state: "failed", error: reason, finishedAt: new Date() } });
    return count === 1 ? { outcome: "failed", reason } : { outcome: "skipped", reason };
  }
}
