/**
 * Keeps the BullMQ priority of every waiting training job equal to its place in the fair order (fair-order.ts):
 * runners take the job with the lowest priority number first, so the queue hands GPUs out round robin between
 * teams. Run after every enqueue and periodically by the worker; it only changes priorities that differ, and a job
 * a runner takes meanwhile is skipped.
 */
import type { Job } from "bullmq";
import type { ApiDeps } from "../trpc";
import { TRAINING_JOB_OPTIONS } from "../jobs/enqueue-training-job";
import { fairOrder } from "./fair-order";

/** BullMQ's largest priority (2^21 − 1); 0 would mean "before every prioritized job". New jobs are added with it. */
export const MAX_BULL_PRIORITY = TRAINING_JOB_OPTIONS.priority;

export interface RebalanceReport {
  waiting: number;
  changed: number;
  /** Job ids in the order runners will take them. */
  order: string[];
}

export async function rebalanceQueue(deps: Pick<ApiDeps, "prisma" | "trainingQueue">): Promise<RebalanceReport> {
  const bullJobs = (await deps.trainingQueue.getJobs(["prioritized", "waiting"], 0, -1)).filter(
    (j): j is Job => !!j?.id,
  );
  if (bullJobs.length === 0) return { waiting: 0, changed: 0, order: [] };
  const byId = new Map(bullJobs.map((j) => [j.id!, j]));
  const rows = await deps.prisma.fineTuneJob.findMany({
    where: { id: { in: [...byId.keys()] }, state: "queued" },
    select: { id: true, teamId: true, priority: true, createdAt: true },
  });
  const running = await deps.prisma.fineTuneJob.groupBy({
    by: ["teamId"],
    where: { state: "running" },
    _count: { _all: true },
  });
  const order = fairOrder(rows, new Map(running.map((r) => [r.teamId, r._count._all])));

  let changed = 0;
  for (const [i, row] of order.entries()) {
    const job = byId.get(row.id)!;
    const priority = Math.min(i + 1, MAX_BULL_PRIORITY);
    if (job.priority === priority) continue;
    try {
      await job.changePriority({ priority });
      changed += 1;
    } catch {
      // Taken by a runner (or removed) since the listing: nothing to order any more.
    }
  }
  return { waiting: order.length, changed, order: order.map((r) => r.id) };
}
