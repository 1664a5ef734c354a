import type { JobState } from "@whetstone/core";
import { cancelKey } from "@whetstone/queue";
import { AppError, notFound } from "../errors";
import { CANCEL_FLAG_TTL_S } from "../jobs/cancel-job";
import type { ApiDeps } from "../trpc";

/** BullMQ states of a job that no runner holds yet: removing it there is enough. */
const NOT_TAKEN = new Set(["waiting", "delayed", "prioritized", "waiting-children", "paused"]);

/**
 * Cancels an evaluation that has not finished, as a job is cancelled: the runner's cancel flag is set in every case
 * (a runner that takes it in a race drops it); one no runner holds yet is removed from the queue and `cancelled` now;
 * one a runner holds is `cancelled` when the runner reports it. Returns whether it was cancelled at once.
 */
export async function cancelEvaluation(
  deps: Pick<ApiDeps, "prisma" | "redis" | "trainingQueue">,
  actor: { teamId: string },
  id: string,
): Promise<{ id: string; immediate: boolean }> {
  const { prisma } = deps;
  const e = await prisma.evaluation.findFirst({
    where: { id, teamId: actor.teamId },
    select: { id: true, state: true },
  });
  if (!e) throw notFound(`evaluation "${id}"`);
  const state = e.state as JobState;
  if (state === "succeeded" || state === "failed" || state === "cancelled") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `evaluation ${e.id} is already ${state}; only an evaluation that has not finished can be cancelled`,
      { state },
    );
  }
  await deps.redis.set(cancelKey(e.id), "1", "EX", CANCEL_FLAG_TTL_S);

  let taken = state === "running";
  if (!taken) {
    const bull = await deps.trainingQueue.getJob(e.id);
    if (bull) {
      const bullState = await bull.getState();
      if (NOT_TAKEN.has(bullState)) await bull.remove().catch(() => (taken = true));
      else if (bullState === "active") taken = true;
    }
  }
  if (taken) return { id: e.id, immediate: false };
  const { count } = await prisma.evaluation.updateMany({
    where: { id: e.id, state: e.state },
    data: { state: "cancelled", finishedAt: new Date() },
  });
  // The evaluation moved meanwhile (a runner took it): try again against its new state.
  if (count === 0) return cancelEvaluation(deps, actor, id);
  return { id: e.id, immediate: true };
}
