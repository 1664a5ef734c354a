/**
 * Cancels runner work that has not finished (a round's scoring, a simulation, an augmentation), as an evaluation is cancelled: the runner's cancel
 * flag is set in every case; work no runner holds yet leaves the queue and is `cancelled` now, work a runner holds is
 * `cancelled` when the runner reports it.
 */
import type { JobState } from "@whetstone/core";
import { cancelKey } from "@whetstone/queue";
import { AppError, notFound } from "../errors";
import { CANCEL_FLAG_TTL_S } from "../jobs/cancel-job";
import type { ApiDeps } from "../trpc";
import { workKind } from "./registry";
import type { WorkKind } from "./work-kinds";

const NOT_TAKEN = new Set(["waiting", "delayed", "prioritized", "waiting-children", "paused"]);

export async function cancelWork(
  deps: Pick<ApiDeps, "prisma" | "redis" | "trainingQueue">,
  actor: { teamId: string },
  kind: WorkKind,
  id: string,
): Promise<{ id: string; immediate: boolean }> {
  const spec = workKind(kind);
  const owned = await spec
    .delegate(deps.prisma)
    .findFirst({ where: { id, ...spec.teamWhere(actor.teamId) }, select: { state: true } });
  if (!owned) throw notFound(`${spec.noun} "${id}"`);
  const state = owned.state as JobState;
  if (state === "succeeded" || state === "failed" || state === "cancelled") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `the ${spec.noun} is already ${state}; only unfinished work can be cancelled`,
      {
        state,
      },
    );
  }
  await deps.redis.set(cancelKey(id), "1", "EX", CANCEL_FLAG_TTL_S);
  let taken = state === "running";
  if (!taken) {
    const bull = await deps.trainingQueue.getJob(id);
    if (bull) {
      const bullState = await bull.getState();
      if (NOT_TAKEN.has(bullState)) await bull.remove().catch(() => (taken = true));
      else if (bullState === "active") taken = true;
    }
  }
  if (taken) return { id, immediate: false };
  const { count } = await spec
    .delegate(deps.prisma)
    .updateMany({ where: { id, state }, data: { state: "cancelled", finishedAt: new Date() } });
  if (count === 0) return cancelWork(deps, actor, kind, id);
  return { id, immediate: true };
}
