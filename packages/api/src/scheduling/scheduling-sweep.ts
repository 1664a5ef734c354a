/**
 * The worker's side of scheduling: a periodic sweep (promote pending jobs of every team that has room, re-apply the
 * fair order of the queue) and the hook run when a job reaches a final state. apps/worker wires both.
 */
import { TERMINAL_STATES, type JobState } from "@whetstone/core";
import type { ApiDeps } from "../trpc";
import { promotePendingJobs, sweepScheduling } from "./promote-pending-jobs";

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue">;

export interface SchedulingSweep {
  /** Lets the pass in progress finish. Idempotent. */
  stop(): Promise<void>;
}

export function startSchedulingSweep(
  deps: Deps,
  opts: { intervalMs: number; onError: (err: unknown) => void },
): SchedulingSweep {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sweepScheduling(deps)
      .then(() => undefined, opts.onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

/** After a job's state change is committed: if it reached a final state (or paused, holding no GPU any more), its
 *  team's waiting jobs may start. */
export async function onJobStateApplied(deps: Deps, jobId: string, state: JobState): Promise<string[]> {
  if (!TERMINAL_STATES.includes(state) && state !== "paused") return [];
  const job = await deps.prisma.fineTuneJob.findUnique({ where: { id: jobId }, select: { teamId: true } });
  return job ? promotePendingJobs(deps, job.teamId) : [];
}
