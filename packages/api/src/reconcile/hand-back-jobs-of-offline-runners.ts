/**
 * (c) for training jobs: a job `running` on an offline runner, or on a runner never heard of for as long as the
 * offline threshold (it never sent a heartbeat), goes back to `queued` with a JobEvent saying why, and its BullMQ job
 * is made available to another runner now — unless a runner still holds it (hand-back-from-silent-runners.ts).
 */
import { stateEventMessage } from "../jobs/job-events";
import { handBackFromSilentRunners, type SilentRunnerWork } from "./hand-back-from-silent-runners";
import { enqueueJobOrFail } from "./repair-queued-jobs";
import type { ReconcilePass } from "./reconcile.types";

const TRAINING_JOBS: SilentRunnerWork = {
  noun: "job",
  running: (pass, offline, known, cutoff) =>
    pass.prisma.fineTuneJob.findMany({
      where: {
        state: "running",
        OR: [
          { runnerName: { in: offline } },
          { runnerName: { notIn: known }, updatedAt: { lt: cutoff } },
          { runnerName: null, updatedAt: { lt: cutoff } },
        ],
      },
      select: { id: true, runnerName: true },
    }),
  requeue: (pass, job, reason) =>
    pass.prisma.$transaction(async (tx) => {
      const { count } = await tx.fineTuneJob.updateMany({
        where: { id: job.id, state: "running", runnerName: job.runnerName },
        // enqueuedAt cleared (docs/decisions/0001): if the repair that follows does not finish, pass (a) redoes it.
        data: { state: "queued", runnerName: null, queuedAt: pass.now(), enqueuedAt: null },
      });
      if (count === 1) {
        await tx.jobEvent.create({
          data: { jobId: job.id, kind: "state", level: "warning", message: stateEventMessage("queued", reason) },
        });
      }
      return count === 1;
    }),
  enqueue: enqueueJobOrFail,
  requeued: (pass) => pass.report.requeued,
  notice: { type: "state", state: "queued" },
};

export function handBackJobsOfOfflineRunners(pass: ReconcilePass, cutoff: Date): Promise<void> {
  return handBackFromSilentRunners(pass, cutoff, TRAINING_JOBS);
}
