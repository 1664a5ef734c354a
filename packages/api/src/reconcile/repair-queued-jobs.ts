/**
 * (a) and (b): every `queued` job must have a BullMQ job a runner can take. A job whose payload can never be
 * built is marked failed instead of being retried forever.
 */
import { EnqueueError, enqueueTrainingJob } from "../jobs/enqueue-training-job";
import { stateEventMessage } from "../jobs/job-events";
import type { ReconcilePass } from "./reconcile.types";

/** (a) `queued` jobs that never reached the queue. */
export async function enqueueMissingJobs(pass: ReconcilePass): Promise<void> {
  const jobs = await pass.prisma.fineTuneJob.findMany({
    where: { state: "queued", enqueuedAt: null },
    select: { id: true },
    orderBy: [{ priority: "desc" }, { createdAt: "asc" }],
    take: 500,
  });
  for (const { id } of jobs) if (await enqueueJobOrFail(pass, id)) pass.report.enqueued.push(id);
}

/** (b) `queued` jobs that the database says are in the queue: check that BullMQ agrees. */
export async function repairQueuedJobs(pass: ReconcilePass): Promise<void> {
  const jobs = await pass.prisma.fineTuneJob.findMany({
    where: { state: "queued", enqueuedAt: { not: null } },
    select: { id: true, updatedAt: true },
    take: 1000,
  });
  for (const job of jobs) {
    if (pass.report.enqueued.includes(job.id)) continue;
    const settled = pass.now().getTime() - job.updatedAt.getTime() >= pass.requeueGraceMs;
    if (await repairBullJob(pass, job.id, settled)) pass.report.reEnqueued.push(job.id);
  }
}

/**
 * Gives a `queued` job a BullMQ job a runner can take. Returns whether it added one.
 * - waiting / delayed / prioritized: nothing to do;
 * - missing (Redis flushed): add it again;
 * - active: `remove` succeeds only when no runner holds the lock (its runner died and the lock expired);
 *   then add it again. While the lock is held, leave it: the runner is alive or its lock expires soon;
 * - completed / failed while the database says `queued`: once `settled` (no change for the grace period, so
 *   these are not merely events still in flight), remove and add again.
 * `enqueue` adds it (a training job by default; an evaluation passes its own).
 */
export async function repairBullJob(
  pass: ReconcilePass,
  jobId: string,
  settled: boolean,
  enqueue: (pass: ReconcilePass, id: string) => Promise<boolean> = enqueueJobOrFail,
): Promise<boolean> {
  const state = await pass.trainingQueue.getJobState(jobId);
  if (state === "unknown") return enqueue(pass, jobId);
  if (state === "active" || ((state === "completed" || state === "failed") && settled)) {
    const removed = await pass.trainingQueue.remove(jobId);
    if (removed !== 1) return false; // locked: a runner holds it
    pass.log.warn("removed a stale BullMQ job to add it again", { jobId, bullState: state });
    return enqueue(pass, jobId);
  }
  return false;
}

/** enqueueTrainingJob, turning a payload that can never be built into a failed job. Returns whether it ran. */
export async function enqueueJobOrFail(pass: ReconcilePass, jobId: string): Promise<boolean> {
  try {
    await enqueueTrainingJob({ prisma: pass.prisma, trainingQueue: pass.trainingQueue }, jobId);
    return true;
  } catch (err) {
    if (!(err instanceof EnqueueError)) {
      pass.log.error("enqueue failed; will retry on the next pass", { jobId, err });
      return false;
    }
    const reason = err.message;
    const { count } = await pass.prisma.fineTuneJob.updateMany({
      where: { id: jobId, state: "queued" },
      data: { state: "failed", error: reason, finishedAt: pass.now() },
    });
    if (count === 1) {
      await pass.prisma.jobEvent.create({
        data: { jobId, kind: "state", level: "error", message: stateEventMessage("failed", reason) },
      });
      pass.report.failed.push(jobId);
      pass.log.error("job can never be enqueued; marked failed", { jobId, reason });
      await pass.notify(jobId, { type: "state", state: "failed" });
    }
    return false;
  }
}
