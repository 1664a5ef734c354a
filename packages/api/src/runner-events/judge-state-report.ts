/**
 * Whether a runner's state report moves a row — one rule for every kind of runner work (training jobs, evaluations,
 * active-learning rounds and simulations; docs/decisions/0002 and 0011):
 *
 * 1. The final word of the runner that held the work wins. A `succeeded` or `failed` from the runner that last held
 *    it (`lastRunnerName`) is applied even when the work was put back in the queue meanwhile — the reconciler thought
 *    that runner dead, but it finished. The work is done (or truly failed); running it again would redo it, one step
 *    past its limit, over the artifacts it wrote. The duplicate BullMQ job is dropped after the commit (`late`).
 * 2. Otherwise the state machine decides (`canTransition`): a late `running` after `cancelled` is ignored.
 * 3. Only the runner that holds running work moves it: a runner the work was taken from, and which came back after
 *    another runner took it, is ignored. One exception: a `running` from another runner while the holder is marked
 *    offline is a take-over — BullMQ gave that runner the job (the holder's lock expired and a stalled-job check put
 *    it back in the queue before the reconciler did), so it holds the work now.
 */
import { canTransition } from "@whetstone/core";
import type { JobState } from "@whetstone/db";
import type { EventOf, Tx } from "./runner-event.types";

export interface HeldRow {
  state: JobState;
  runnerName: string | null;
  lastRunnerName: string | null;
}

export type StateVerdict = { apply: true; late: boolean } | { apply: false; reason: string };

export async function judgeStateReport(tx: Tx, noun: string, row: HeldRow, e: EventOf<"state">): Promise<StateVerdict> {
  const final = e.state === "succeeded" || e.state === "failed";
  if (final && row.state === "queued" && row.lastRunnerName === e.runner) return { apply: true, late: true };
  if (row.state === "running" && row.runnerName !== null && row.runnerName !== e.runner) {
    const holder = await tx.runner.findUnique({ where: { name: row.runnerName }, select: { state: true } });
    if (e.state === "running" && holder?.state === "offline") return { apply: true, late: false };
    return { apply: false, reason: `${noun} runs on "${row.runnerName}", not on "${e.runner}"` };
  }
  if (!canTransition(row.state, e.state)) {
    return { apply: false, reason: `${article(noun)} ${noun} in state "${row.state}" cannot move to "${e.state}"` };
  }
  return { apply: true, late: false };
}

/** Said in the state event of a late final report. */
export const LATE_FINAL_NOTE = "reported by the runner that held it after it had been put back in the queue";

const article = (noun: string) => (/^[aeiou]/.test(noun) ? "an" : "a");
