/**
 * Starts a team's `pending_quota` jobs when its quota has room again: called by the worker when one of the team's
 * jobs reaches a final state, when a job is cancelled before a runner took it, after an admin changes the quota, and
 * by the worker's periodic sweep. Runs under the team's admission lock, so it can never admit more than the
 * quota, whatever runs beside it. Pending jobs start in the team's own order: priority, then oldest first.
 */
import { stateEventMessage } from "../jobs/job-events";
import { enqueueTrainingJob } from "../jobs/enqueue-training-job";
import type { ApiDeps } from "../trpc";
import {
  ADMISSION_TX_OPTIONS,
  concurrencyReason,
  countAdmitted,
  lockTeamAdmission,
  monthlyQuotaExhausted,
  quotaOf,
  widerThanQuotaReason,
} from "./quota";
import { rebalanceQueue } from "./rebalance-queue";

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue">;

export async function promotePendingJobs(deps: Deps, teamId: string, now = new Date()): Promise<string[]> {
  const promoted = await deps.prisma.$transaction(async (tx) => {
    await lockTeamAdmission(tx, teamId);
    const pending = await tx.fineTuneJob.count({ where: { teamId, state: "pending_quota" } });
    if (pending === 0) return [];
    const limits = await quotaOf(tx, teamId);
    const monthly = await monthlyQuotaExhausted(tx, teamId, limits, now);
    if (monthly.exhausted) {
      await tx.fineTuneJob.updateMany({
        where: { teamId, state: "pending_quota", NOT: { pendingReason: monthly.message } },
        data: { pendingReason: monthly.message },
      });
      return [];
    }
    const admitted = await countAdmitted(tx, teamId);
    const max = limits.maxConcurrentGpus;
    const free = max === null ? Infinity : Math.max(0, max - admitted);
    const jobs = await tx.fineTuneJob.findMany({
      where: { teamId, state: "pending_quota" },
      orderBy: [{ priority: "desc" }, { createdAt: "asc" }, { id: "asc" }],
      select: { id: true, gpuCount: true },
    });
    // In the team's order while their GPUs fit: a job of several GPUs is not overtaken by smaller ones behind it,
    // unless it is wider than the quota itself — then it waits for an admin and holds nobody back.
    const ids: string[] = [];
    let used = 0;
    for (const j of jobs) {
      if (max !== null && j.gpuCount > max) continue;
      if (used + j.gpuCount > free) break;
      ids.push(j.id);
      used += j.gpuCount;
    }
    if (ids.length > 0) {
      await tx.fineTuneJob.updateMany({
        where: { id: { in: ids }, state: "pending_quota" },
        data: { state: "queued", pendingReason: null, queuedAt: now, enqueuedAt: null },
      });
      await tx.jobEvent.createMany({
        data: ids.map((jobId) => ({
          jobId,
          kind: "state",
          level: "info" as const,
          message: stateEventMessage("queued", "team quota has room again"),
        })),
      });
    }
    if (max !== null) {
      // The jobs still waiting say why, with the numbers after this pass's admissions.
      const admittedNow = admitted + used;
      const waiting = jobs.filter((j) => !ids.includes(j.id));
      const reasons = new Map<string, string[]>();
      for (const j of waiting) {
        const reason =
          j.gpuCount > max ? widerThanQuotaReason(admittedNow, max, j.gpuCount) : concurrencyReason(admittedNow, max);
        reasons.set(reason, [...(reasons.get(reason) ?? []), j.id]);
      }
      for (const [reason, jobIds] of reasons) {
        await tx.fineTuneJob.updateMany({
          where: { id: { in: jobIds }, state: "pending_quota", NOT: { pendingReason: reason } },
          data: { pendingReason: reason },
        });
      }
    }
    return ids;
  }, ADMISSION_TX_OPTIONS);

  for (const id of promoted) {
    // A failure leaves enqueuedAt null: the worker's reconciler enqueues the job on its next pass.
    await enqueueTrainingJob(deps, id).catch((err: unknown) => {
      console.warn(`job ${id} promoted but not enqueued yet (${(err as Error).message}); the reconciler will retry`);
    });
  }
  if (promoted.length > 0) await rebalanceQueue(deps).catch(() => undefined);
  return promoted;
}

/** The periodic sweep: every team with pending jobs, then the fair order of the queue. */
export async function sweepScheduling(
  deps: Deps,
  now = new Date(),
): Promise<{ promoted: string[]; reordered: number }> {
  const teams = await deps.prisma.fineTuneJob.findMany({
    where: { state: "pending_quota" },
    distinct: ["teamId"],
    select: { teamId: true },
  });
  const promoted: string[] = [];
  for (const { teamId } of teams) promoted.push(...(await promotePendingJobs(deps, teamId, now)));
  const { changed } = await rebalanceQueue(deps);
  return { promoted, reordered: changed };
}
