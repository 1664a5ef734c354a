/**
 * The reconciler's rules for evaluations, the same as for training jobs (decision 0001/0002): (a) a `queued`
 * evaluation never enqueued is enqueued, (b) one whose BullMQ job is gone or stale gets a fresh one, (c) one `running`
 * on a runner gone offline goes back to `queued` and to the queue. A payload that can never be built fails it.
 */
import { enqueueEvaluationOrFail } from "../evaluations/enqueue-evaluation";
import { handBackFromSilentRunners, type SilentRunnerWork } from "./hand-back-from-silent-runners";
import { repairBullJob } from "./repair-queued-jobs";
import type { ReconcilePass } from "./reconcile.types";

/** (a) `queued` evaluations that never reached the queue. */
export async function enqueueMissingEvaluations(pass: ReconcilePass): Promise<void> {
  const rows = await pass.prisma.evaluation.findMany({
    where: { state: "queued", enqueuedAt: null },
    select: { id: true },
    orderBy: { createdAt: "asc" },
    take: 500,
  });
  for (const { id } of rows) if (await enqueueOrFail(pass, id)) pass.report.evaluationsEnqueued.push(id);
}

/** (b) `queued` evaluations the database says are in the queue: check that BullMQ agrees. */
export async function repairQueuedEvaluations(pass: ReconcilePass): Promise<void> {
  const rows = await pass.prisma.evaluation.findMany({
    where: { state: "queued", enqueuedAt: { not: null } },
    select: { id: true, updatedAt: true },
    take: 1000,
  });
  for (const e of rows) {
    if (pass.report.evaluationsEnqueued.includes(e.id)) continue;
    const settled = pass.now().getTime() - e.updatedAt.getTime() >= pass.requeueGraceMs;
    if (await repairBullJob(pass, e.id, settled, enqueueOrFail)) pass.report.evaluationsReEnqueued.push(e.id);
  }
}

/** (c) Evaluations `running` on an offline runner (or on none, or one never heard of, past the threshold). */
const EVALUATIONS: SilentRunnerWork = {
  noun: "evaluation",
  running: (pass, offline, known, cutoff) =>
    pass.prisma.evaluation.findMany({
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
  requeue: async (pass, e) => {
    const { count } = await pass.prisma.evaluation.updateMany({
      where: { id: e.id, state: "running", runnerName: e.runnerName },
      // enqueuedAt cleared: if the repair that follows does not finish, (a) redoes it.
      data: { state: "queued", runnerName: null, enqueuedAt: null },
    });
    return count === 1;
  },
  enqueue: enqueueOrFail,
  requeued: (pass) => pass.report.evaluationsRequeued,
  notice: { type: "state", kind: "evaluate", state: "queued" },
};

export function handBackEvaluationsOfOfflineRunners(pass: ReconcilePass, cutoff: Date): Promise<void> {
  return handBackFromSilentRunners(pass, cutoff, EVALUATIONS);
}

async function enqueueOrFail(pass: ReconcilePass, id: string): Promise<boolean> {
  const r = await enqueueEvaluationOrFail({ prisma: pass.prisma, trainingQueue: pass.trainingQueue }, id);
  if (r.outcome === "retry")
    pass.log.error("evaluation enqueue failed; will retry on the next pass", { id, reason: r.reason });
  if (r.outcome === "failed") {
    pass.report.evaluationsFailed.push(id);
    pass.log.error("evaluation can never be enqueued; marked failed", { evaluationId: id, reason: r.reason });
    await pass.notify(id, { type: "state", kind: "evaluate", state: "failed" });
  }
  return r.outcome === "enqueued";
}
