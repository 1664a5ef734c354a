import { canPause, type JobState } from "@whetstone/core";
import { pauseKey } from "@whetstone/queue";
import { audit } from "../audit/audit";
import { AppError, notFound } from "../errors";
import { promotePendingJobs } from "../scheduling/promote-pending-jobs";
import type { ApiDeps } from "../trpc";
import { CANCEL_FLAG_TTL_S } from "./cancel-job";
import { stateEventMessage } from "./job-events";

/** BullMQ states of a job that no runner holds yet: removing it there is enough. */
const NOT_TAKEN = new Set(["waiting", "delayed", "prioritized", "waiting-children", "paused"]);

export interface JobActor {
  teamId: string;
  userId: string;
  email?: string | null;
}

export async function actorName(prisma: ApiDeps["prisma"], actor: JobActor): Promise<string> {
  return (
    actor.email ??
    (await prisma.user.findUnique({ where: { id: actor.userId }, select: { email: true } }))?.email ??
    actor.userId
  );
}

/**
 * Pauses a job that waits or runs (decision 0010). The job keeps its checkpoints and holds no GPU or quota while
 * paused; `resumeJob` puts it back in line and it continues from its newest checkpoint.
 * - pending_quota / queued (not yet taken by a runner): removed from the queue, → paused now.
 * - running, or queued but already taken: the pause key is set; the runner stops the child with SIGTERM (it saves a
 *   checkpoint at the current step) and reports `paused`, applied by apps/worker. Meanwhile the job shows as pausing.
 * The key is set in every case, so a runner that takes the job in a race reports it paused before starting.
 * A job already paused is answered as it is; a finished one is refused (412).
 */
export async function pauseJob(
  deps: Pick<ApiDeps, "prisma" | "redis" | "trainingQueue">,
  actor: JobActor,
  jobId: string,
): Promise<{ id: string; state: JobState; pauseRequested: boolean }> {
  const { prisma } = deps;
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: jobId, teamId: actor.teamId },
    select: { id: true, state: true, pauseRequestedAt: true, cancelRequestedAt: true },
  });
  if (!job) throw notFound(`job "${jobId}"`);
  const state = job.state as JobState;
  if (state === "paused") return { id: job.id, state, pauseRequested: false };
  if (!canPause(state) || job.cancelRequestedAt) {
    throw new AppError(
      "PRECONDITION_FAILED",
      job.cancelRequestedAt && canPause(state)
        ? `job ${job.id} is being cancelled; it cannot be paused`
        : `job ${job.id} is ${state}; only a job that is queued or running can be paused`,
      { state },
    );
  }

  await deps.redis.set(pauseKey(job.id), "1", "EX", CANCEL_FLAG_TTL_S);
  let taken = state === "running";
  if (!taken) {
    const bull = await deps.trainingQueue.getJob(job.id);
    if (bull) {
      const bullState = await bull.getState();
      if (NOT_TAKEN.has(bullState)) await bull.remove().catch(() => (taken = true));
      else if (bullState === "active") taken = true;
    }
  }
  const who = await actorName(prisma, actor);
  const now = new Date();
  if (taken) {
    const updated = await prisma.fineTuneJob.updateMany({
      where: { id: job.id, state: job.state },
      data: { pauseRequestedAt: job.pauseRequestedAt ?? now },
    });
    if (updated.count === 1 && !job.pauseRequestedAt) {
      await prisma.jobEvent.create({
        data: { jobId: job.id, kind: "platform", level: "info", message: `pause requested by ${who}` },
      });
    }
  } else {
    const updated = await prisma.fineTuneJob.updateMany({
      where: { id: job.id, state: job.state },
      data: { state: "paused", pauseRequestedAt: null, pendingReason: null, enqueuedAt: null },
    });
    if (updated.count === 0) return pauseJob(deps, actor, jobId); // a runner took it meanwhile: ask it instead
    await prisma.jobEvent.create({
      data: { jobId: job.id, kind: "state", level: "info", message: stateEventMessage("paused", `paused by ${who}`) },
    });
  }
  await audit(prisma, {
    action: "job.paused",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "job",
    targetId: job.id,
    details: { fromState: state, immediate: !taken },
  });
  // A paused queued job frees its place in the team's quota now.
  if (!taken) await promotePendingJobs(deps, actor.teamId);
  return { id: job.id, state: taken ? state : "paused", pauseRequested: taken };
}
