/**
 * What the events consumer does after an event's transaction committed (ApplyResult.effects): enqueue the automatic
 * evaluation a training success created. A failure here loses nothing: the evaluation is committed `queued` with
 * `enqueuedAt` null, and the reconciler enqueues it on its next pass.
 */
import { enqueueEvaluationOrFail } from "../evaluations/enqueue-evaluation";
import type { ReconcileLog } from "../reconcile/reconcile.types";
import type { ApiDeps } from "../trpc";
import type { ApplyEffect, JobUpdate } from "./runner-event.types";

export async function performApplyEffects(
  deps: Pick<ApiDeps, "prisma" | "trainingQueue">,
  effects: readonly ApplyEffect[],
  log: ReconcileLog,
): Promise<JobUpdate[]> {
  const updates: JobUpdate[] = [];
  for (const effect of effects) {
    const id = effect.evaluationId;
    const r = await enqueueEvaluationOrFail(deps, id).catch((err: unknown) => ({
      outcome: "retry" as const,
      reason: (err as Error).message,
    }));
    if (r.outcome === "retry")
      log.warn("evaluation not enqueued yet; the reconciler will retry", { evaluationId: id, reason: r.reason });
    if (r.outcome === "failed") {
      log.error("evaluation can never be enqueued; marked failed", { evaluationId: id, reason: r.reason });
      updates.push({ jobId: id, message: { type: "state", kind: "evaluate", state: "failed" } });
    }
  }
  return updates;
}
