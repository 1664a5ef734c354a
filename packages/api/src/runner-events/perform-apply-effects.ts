/**
 * What the events consumer does after an event's transaction committed (ApplyResult.effects):
 *
 * - enqueue the automatic evaluation a training success created. A failure here loses nothing: the evaluation is
 *   committed `queued` with `enqueuedAt` null, and the reconciler enqueues it on its next pass;
 * - (dropDuplicate, below) drop the duplicate BullMQ job of work whose late final report was applied.
 */
import { KEY_PREFIX, REDIS_KEYS, redisKey } from "@whetstone/queue";
import { enqueueEvaluationOrFail } from "../evaluations/enqueue-evaluation";
import { CANCEL_FLAG_TTL_S } from "../jobs/cancel-job";
import type { ReconcileLog } from "../reconcile/reconcile.types";
import type { ApiDeps } from "../trpc";
import type { ApplyEffect, JobUpdate } from "./runner-event.types";

export interface ApplyEffectsOptions {
  /** Prefix of Whetstone's Redis keys (the cancel key); the contract's unless a test isolates its own. */
  keyPrefix?: string;
}

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

/**
 * Makes sure the BullMQ job `id` of work whose late final report was applied does not run it again
 * (ApplyResult.dropDuplicate): removed when no runner holds it, else the runner holding it is told to drop it through
 * the work's cancel key (it reports `cancelled`, which the final row ignores). Never throws.
 */
export async function dropDuplicate(
  deps: Pick<ApiDeps, "trainingQueue">,
  id: string,
  log: ReconcileLog,
  opts: ApplyEffectsOptions = {},
): Promise<void> {
  try {
    if ((await deps.trainingQueue.remove(id)) === 1) {
      log.warn("removed the duplicate BullMQ job of work its runner had finished", { id });
      return;
    }
    const key = redisKey(REDIS_KEYS.cancel, { jobId: id }, opts.keyPrefix ?? KEY_PREFIX);
    await (await deps.trainingQueue.getBackend().client).set(key, "1", { EX: CANCEL_FLAG_TTL_S });
    log.warn("a runner holds the duplicate BullMQ job of work its runner had finished; told it to drop it", { id });
  } catch (err) {
    log.error("could not drop the duplicate BullMQ job of finished work", { id, err });
  }
}
