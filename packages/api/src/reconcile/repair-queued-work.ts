/**
 * The reconciler's rules for runner work (a round's `score` job, a simulation, an augmentation), as for evaluations:
 * (a) `queued` work never enqueued is enqueued, (b) work whose BullMQ job is gone or stale gets a fresh one, (c) work
 * `running` on a runner gone offline goes back to `queued` and to the queue. A payload that can never be built fails it.
 */
import { enqueueWorkOrFail } from "../runner-work/enqueue-work";
import { workKind } from "../runner-work/registry";
import { WORK_KINDS, type WorkKind } from "../runner-work/work-kinds";
import { handBackFromSilentRunners } from "./hand-back-from-silent-runners";
import { repairBullJob } from "./repair-queued-jobs";
import type { ReconcilePass } from "./reconcile.types";

export async function reconcileWork(pass: ReconcilePass, cutoff: Date): Promise<void> {
  for (const kind of WORK_KINDS) {
    await handBackWorkOfOfflineRunners(pass, kind, cutoff);
    await enqueueMissingWork(pass, kind);
    await repairQueuedWork(pass, kind);
  }
}

async function enqueueMissingWork(pass: ReconcilePass, kind: WorkKind): Promise<void> {
  const rows = await workKind(kind)
    .delegate(pass.prisma)
    .findMany({
      where: { state: "queued", enqueuedAt: null },
      select: { id: true },
      orderBy: { createdAt: "asc" },
      take: 500,
    });
  for (const { id } of rows)
    if (await enqueueOrFail(pass, kind, id as string)) pass.report.workEnqueued.push(id as string);
}

async function repairQueuedWork(pass: ReconcilePass, kind: WorkKind): Promise<void> {
  // Work rows have no updatedAt: the grace counts from when it was enqueued (or started, for handed-back work).
  const rows = await workKind(kind)
    .delegate(pass.prisma)
    .findMany({
      where: { state: "queued", enqueuedAt: { not: null } },
      select: { id: true, enqueuedAt: true },
      take: 1000,
    });
  for (const r of rows) {
    const id = r.id as string;
    if (pass.report.workEnqueued.includes(id)) continue;
    const settled = pass.now().getTime() - (r.enqueuedAt as Date).getTime() >= pass.requeueGraceMs;
    if (await repairBullJob(pass, id, settled, (p, i) => enqueueOrFail(p, kind, i)))
      pass.report.workReEnqueued.push(id);
  }
}

/** (c) Work `running` on an offline runner (or on none, or one never heard of, past the threshold). */
function handBackWorkOfOfflineRunners(pass: ReconcilePass, kind: WorkKind, cutoff: Date): Promise<void> {
  const spec = workKind(kind);
  return handBackFromSilentRunners(pass, cutoff, {
    noun: spec.noun,
    running: async (p, offline, known, since) =>
      (
        await spec.delegate(p.prisma).findMany({
          where: {
            state: "running",
            OR: [
              { runnerName: { in: offline } },
              { runnerName: { notIn: known }, startedAt: { lt: since } },
              { runnerName: null, startedAt: { lt: since } },
            ],
          },
          select: { id: true, runnerName: true },
        })
      ).map((r) => ({ id: r.id as string, runnerName: r.runnerName as string | null })),
    requeue: async (p, r, reason) => {
      if (spec.handBackLimit !== undefined) return requeueWithinLimit(p, kind, r, reason, spec.handBackLimit);
      const { count } = await spec.delegate(p.prisma).updateMany({
        where: { id: r.id, state: "running", runnerName: r.runnerName },
        data: { state: "queued", runnerName: null, enqueuedAt: null },
      });
      return count === 1;
    },
    enqueue: (p, id) => enqueueOrFail(p, kind, id),
    requeued: (p) => p.report.workRequeued,
    notice: { type: "state", kind, state: "queued" },
  });
}

/**
 * The hand-back of a kind with a limit: the `limit`-th time its runner goes silent, the work fails with the reason
 * (and false: nothing to enqueue) instead of going back to the queue.
 */
async function requeueWithinLimit(
  pass: ReconcilePass,
  kind: WorkKind,
  r: { id: string; runnerName: string | null },
  reason: string,
  limit: number,
): Promise<boolean> {
  const spec = workKind(kind);
  const row = await spec.delegate(pass.prisma).findUnique({ where: { id: r.id }, select: { handBacks: true } });
  const handBacks = (row?.handBacks as number | undefined) ?? 0;
  const where = { id: r.id, state: "running", runnerName: r.runnerName, handBacks };
  if (handBacks + 1 >= limit) {
    const error =
      `its runner went silent ${handBacks + 1} times (${reason.replace(/; back to the queue$/, "")}); ` +
      `not retried again`;
    const { count } = await spec
      .delegate(pass.prisma)
      .updateMany({ where, data: { state: "failed", error, finishedAt: pass.now(), runnerName: null } });
    if (count === 1) {
      // No runner may take it again (a waiting copy, or an active one without its lock).
      await pass.trainingQueue.remove(r.id);
      pass.report.workFailed.push(r.id);
      pass.log.error(`${kind} failed: its runner went silent too often`, { id: r.id, reason: error });
      await pass.notify(r.id, { type: "state", kind, state: "failed" });
    }
    return false;
  }
  const { count } = await spec.delegate(pass.prisma).updateMany({
    where,
    data: { state: "queued", runnerName: null, enqueuedAt: null, handBacks: handBacks + 1 },
  });
  return count === 1;
}

async function enqueueOrFail(pass: ReconcilePass, kind: WorkKind, id: string): Promise<boolean> {
  const r = await enqueueWorkOrFail(
    { prisma: pass.prisma, trainingQueue: pass.trainingQueue, config: pass.config },
    kind,
    id,
  );
  if (r.outcome === "retry")
    pass.log.error(`${kind} enqueue failed; will retry on the next pass`, { id, reason: r.reason });
  if (r.outcome === "failed") {
    pass.report.workFailed.push(id);
    pass.log.error(`${kind} can never be enqueued; marked failed`, { id, reason: r.reason });
    await pass.notify(id, { type: "state", kind, state: "failed" });
  }
  return r.outcome === "enqueued";
}
