/**
 * (c) Jobs `running` on an offline runner, or on a runner never heard of for as long as the offline threshold (it
 * never sent a heartbeat), go back to `queued` and their BullMQ job is made available to another runner now.
 */
import { stateEventMessage } from "../jobs/job-events";
import { repairBullJob } from "./repair-queued-jobs";
import type { ReconcilePass } from "./reconcile.types";

export async function handBackJobsOfOfflineRunners(pass: ReconcilePass, cutoff: Date): Promise<void> {
  const { prisma } = pass;
  const offline = await prisma.runner.findMany({
    where: { state: "offline" },
    select: { name: true, lastHeartbeatAt: true },
  });
  const known = await prisma.runner.findMany({ select: { name: true } });
  const jobs = await prisma.fineTuneJob.findMany({
    where: {
      state: "running",
      OR: [
        { runnerName: { in: offline.map((r) => r.name) } },
        { runnerName: { notIn: known.map((r) => r.name) }, updatedAt: { lt: cutoff } },
        { runnerName: null, updatedAt: { lt: cutoff } },
      ],
    },
    select: { id: true, runnerName: true },
  });
  const lastSeen = new Map(offline.map((r) => [r.name, r.lastHeartbeatAt]));
  for (const job of jobs) {
    const seen = job.runnerName ? lastSeen.get(job.runnerName) : undefined;
    const reason = job.runnerName
      ? `runner ${job.runnerName} stopped sending heartbeats${seen ? ` (last at ${seen.toISOString()})` : ""}; back to the queue`
      : "no runner holds the job; back to the queue";
    const moved = await prisma.$transaction(async (tx) => {
      const { count } = await tx.fineTuneJob.updateMany({
        where: { id: job.id, state: "running", runnerName: job.runnerName },
        // enqueuedAt cleared (docs/decisions/0001): if the repair below does not finish, pass (a) redoes it.
        data: { state: "queued", runnerName: null, queuedAt: pass.now(), enqueuedAt: null },
      });
      if (count === 1) {
        await tx.jobEvent.create({
          data: { jobId: job.id, kind: "state", level: "warning", message: stateEventMessage("queued", reason) },
        });
      }
      return count === 1;
    });
    if (!moved) continue;
    pass.report.requeued.push(job.id);
    pass.log.warn("job re-queued", { jobId: job.id, runner: job.runnerName, reason });
    await pass.notify(job.id, { type: "state", state: "queued" });
    // Make its BullMQ job available now rather than on the next pass.
    await repairBullJob(pass, job.id, true);
  }
}
