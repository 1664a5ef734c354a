import type { JobState } from "@whetstone/core";
import { cancelKey } from "@whetstone/queue";
import { audit } from "../audit/audit";
import { AppError, notFound } from "../errors";
import { promotePendingJobs } from "../scheduling/promote-pending-jobs";
import type { ApiDeps } from "../trpc";
import { stateEventMessage } from "./job-events";

/** The runner's cancel flag lives this long (seconds): far longer than a runner needs to see it. */
export const CANCEL_FLAG_TTL_S = 24 * 3600;

/** BullMQ states of a job that no runner holds yet: removing it there is enough. */
const NOT_TAKEN = new Set(["waiting", "delayed", "prioritized", "waiting-children", "paused"]);

/**
 * Cancels a job in any state that is not final.
 * - validating_files / pending_quota / queued (not yet taken by a runner): removed from the queue, → cancelled now.
 * - running, or queued but already taken by a runner: the cancel flag is set for the runner, which kills the
 *   child and reports `cancelled` (applied by apps/worker); meanwhile the job shows as cancelling.
 * The flag is set in every case, so a runner that takes the job in a race drops it.
 */
export async function cancelJob(
  deps: Pick<ApiDeps, "prisma" | "redis" | "trainingQueue">,
  actor: { teamId: string; userId: string; email?: string | null },
  jobId: string,
) {
  const { prisma } = deps;
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: jobId, teamId: actor.teamId },
    select: { id: true, state: true, cancelRequestedAt: true },
  });
  if (!job) throw notFound(`job "${jobId}"`);
  const state = job.state as JobState;
  if (state === "succeeded" || state === "failed" || state === "cancelled") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `job ${job.id} is already ${state}; only a job that has not finished can be cancelled`,
      { state },
    );
  }

  await deps.redis.set(cancelKey(job.id), "1", "EX", CANCEL_FLAG_TTL_S);

  let taken = state === "running";
  if (!taken) {
    const bull = await deps.trainingQueue.getJob(job.id);
    if (bull) {
      const bullState = await bull.getState();
      if (NOT_TAKEN.has(bullState)) await bull.remove().catch(() => (taken = true));
      else if (bullState === "active") taken = true;
    }
  }
  const who =
    actor.email ??
    (await prisma.user.findUnique({ where: { id: actor.userId }, select: { email: true } }))?.email ??
    actor.userId;
  const now = new Date();

  if (taken) {
    // A runner holds it: ask, and let the runner's `cancelled` event finish the job.
    const updated = await prisma.fineTuneJob.updateMany({
      where: { id: job.id, state: job.state },
      data: { cancelRequestedAt: job.cancelRequestedAt ?? now },
    });
    if (updated.count === 1 && !job.cancelRequestedAt) {
      await prisma.jobEvent.create({
        data: { jobId: job.id, kind: "platform", level: "info", message: `cancel requested by ${who}` },
      });
    }
  } else {
    const updated = await prisma.fineTuneJob.updateMany({
      where: { id: job.id, state: job.state },
      data: { state: "cancelled", cancelRequestedAt: job.cancelRequestedAt ?? now, finishedAt: now },
    });
    if (updated.count === 0) {
      // The job moved meanwhile (a runner took it): try again against its new state.
      return cancelJob(deps, actor, jobId);
    }
    await prisma.jobEvent.create({
      data: {
        jobId: job.id,
        kind: "state",
        level: "info",
        message: stateEventMessage("cancelled", `cancelled by ${who}`),
      },
    });
  }
  await audit(prisma, {
    action: "job.cancelled",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "job",
    targetId: job.id,
    details: { fromState: state, immediate: !taken },
  });
  // A cancelled queued job frees its place in the team's quota now; a waiting job may take it.
  if (!taken) await promotePendingJobs(deps, actor.teamId);
  return { id: job.id };
}
