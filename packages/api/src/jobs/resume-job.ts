import type { JobState } from "@whetstone/core";
import { pauseKey } from "@whetstone/queue";
import { audit } from "../audit/audit";
import { AppError, notFound } from "../errors";
import { promotePendingJobs } from "../scheduling/promote-pending-jobs";
import type { ApiDeps } from "../trpc";
import { stateEventMessage } from "./job-events";
import { actorName, type JobActor } from "./pause-job";

/**
 * Resumes a paused job (decision 0010): it goes back through quota admission (`pending_quota`, then `queued` as soon
 * as the team has room, in the team's fair order) and the runner that takes it continues from its newest complete
 * checkpoint. A pause still in flight (asked for, not yet reported by the runner) is withdrawn instead. Anything
 * else is refused (412).
 */
export async function resumeJob(
  deps: Pick<ApiDeps, "prisma" | "redis" | "trainingQueue">,
  actor: JobActor,
  jobId: string,
): Promise<{ id: string; state: JobState }> {
  const { prisma } = deps;
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: jobId, teamId: actor.teamId },
    select: { id: true, state: true, pauseRequestedAt: true },
  });
  if (!job) throw notFound(`job "${jobId}"`);
  const state = job.state as JobState;
  const who = await actorName(prisma, actor);

  if (state !== "paused") {
    if (job.pauseRequestedAt && (state === "running" || state === "queued")) {
      // The runner has not handed it back yet: withdraw the request (if its SIGTERM already went out, the job still
      // ends up paused and needs another resume).
      await deps.redis.del(pauseKey(job.id));
      await prisma.fineTuneJob.updateMany({ where: { id: job.id }, data: { pauseRequestedAt: null } });
      await prisma.jobEvent.create({
        data: { jobId: job.id, kind: "platform", level: "info", message: `pause request withdrawn by ${who}` },
      });
      return { id: job.id, state };
    }
    throw new AppError("PRECONDITION_FAILED", `job ${job.id} is ${state}; only a paused job can be resumed`, {
      state,
    });
  }

  await deps.redis.del(pauseKey(job.id));
  // The runner completed the BullMQ job when it paused; an add under the same id would be ignored while it exists.
  const bull = await deps.trainingQueue.getJob(job.id);
  if (bull && (await bull.getState()) !== "active") await bull.remove().catch(() => undefined);

  const updated = await prisma.fineTuneJob.updateMany({
    where: { id: job.id, state: "paused" },
    data: { state: "pending_quota", pendingReason: "resumed; waiting for the team's quota", enqueuedAt: null },
  });
  if (updated.count === 0) return resumeJob(deps, actor, jobId);
  await prisma.jobEvent.create({
    data: {
      jobId: job.id,
      kind: "state",
      level: "info",
      message: stateEventMessage("pending_quota", `resumed by ${who}`),
    },
  });
  await audit(prisma, {
    action: "job.resumed",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "job",
    targetId: job.id,
  });
  const promoted = await promotePendingJobs(deps, actor.teamId);
  return { id: job.id, state: promoted.includes(job.id) ? "queued" : "pending_quota" };
}
