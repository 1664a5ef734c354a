/**
 * (c) for every kind of runner work — training jobs, evaluations, active-learning rounds and simulations — one rule:
 * work `running` on a runner marked offline (or on a runner never heard of, or on none, for as long as the offline
 * threshold) goes back to `queued` and to the queue, unless a runner still holds its BullMQ job:
 *
 * - BullMQ `active` and its lock held (`Queue.remove` refuses): a live runner renews that lock every 15 s, so the
 *   runner is alive whatever the database says; the work stays `running` and a later pass looks again;
 * - BullMQ `completed`/`failed` less than the grace ago: its runner is done with it and its final event is on its way;
 * - otherwise (lock gone, BullMQ job missing after a flush, waiting, delayed): the row goes back to `queued` and a
 *   BullMQ job a runner can take is made now.
 *
 * See liveness.ts for when a runner counts as silent, and docs/decisions/0011-liveness-and-final-events.md.
 */
import { observedLongEnough } from "./liveness";
import { repairBullJob } from "./repair-queued-jobs";
import type { ReconcilePass } from "./reconcile.types";

export interface RunningRow {
  id: string;
  runnerName: string | null;
}

/** One kind of runner work, as the hand-back sees it. */
export interface SilentRunnerWork {
  /** The word for a row in logs: "job", "evaluation", "round", "simulation". */
  noun: string;
  /** Rows `running` on one of `offline`, or on a runner not in `known` (or none) since before `cutoff`. */
  running(pass: ReconcilePass, offline: string[], known: string[], cutoff: Date): Promise<RunningRow[]>;
  /** Moves the row from `running` on `row.runnerName` to `queued` (conditionally); true when this pass moved it. */
  requeue(pass: ReconcilePass, row: RunningRow, reason: string): Promise<boolean>;
  /** Adds its BullMQ job (idempotent); true when it did. */
  enqueue(pass: ReconcilePass, id: string): Promise<boolean>;
  /** Where the pass reports the rows it moved. */
  requeued(pass: ReconcilePass): string[];
  /** The page notice after the move (`{type: "state", state: "queued"}` plus the kind). */
  notice: Record<string, unknown>;
}

export async function handBackFromSilentRunners(
  pass: ReconcilePass,
  cutoff: Date,
  work: SilentRunnerWork,
): Promise<void> {
  if (!observedLongEnough(pass)) return;
  const runners = await pass.prisma.runner.findMany({ select: { name: true, state: true, lastHeartbeatAt: true } });
  const offline = runners.filter((r) => r.state === "offline");
  const rows = await work.running(
    pass,
    offline.map((r) => r.name),
    runners.map((r) => r.name),
    cutoff,
  );
  const lastSeen = new Map(offline.map((r) => [r.name, r.lastHeartbeatAt]));
  for (const row of rows) {
    if (await heldByARunner(pass, row.id)) {
      pass.log.warn(`${work.noun} left running: a runner still holds its BullMQ lock`, {
        id: row.id,
        runner: row.runnerName,
      });
      continue;
    }
    const seen = row.runnerName ? lastSeen.get(row.runnerName) : undefined;
    const reason = row.runnerName
      ? `runner ${row.runnerName} stopped sending heartbeats${seen ? ` (last at ${seen.toISOString()})` : ""}; back to the queue`
      : "no runner holds the job; back to the queue";
    if (!(await work.requeue(pass, row, reason))) continue;
    work.requeued(pass).push(row.id);
    pass.log.warn(`${work.noun} re-queued`, { id: row.id, runner: row.runnerName, reason });
    await pass.notify(row.id, work.notice);
    // Make its BullMQ job available now rather than on the next pass (enqueuedAt was cleared: pass (a) redoes it).
    await repairBullJob(pass, row.id, true, work.enqueue);
  }
}

/**
 * Whether a runner still has the work's BullMQ job: active with its lock held (the remove is refused; an unlocked
 * active job is removed here, as the hand-back needs), or finished in BullMQ within the grace (its final event is
 * still in the stream).
 */
async function heldByARunner(pass: ReconcilePass, id: string): Promise<boolean> {
  const state = await pass.trainingQueue.getJobState(id);
  if (state === "active") return (await pass.trainingQueue.remove(id)) !== 1;
  if (state === "completed" || state === "failed") {
    const finishedOn = (await pass.trainingQueue.getJob(id))?.finishedOn;
    return finishedOn !== undefined && pass.now().getTime() - finishedOn < pass.requeueGraceMs;
  }
  return false;
}
