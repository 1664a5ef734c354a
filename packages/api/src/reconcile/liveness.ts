/**
 * Whether a runner is alive is judged from the runner's own signals, never from a gap in the worker's attention
 * (docs/decisions/0011-liveness-and-final-events.md). A worker that was down, restarting, or cut off from Redis has
 * simply not read the heartbeats that the runners kept sending; `Runner.lastHeartbeatAt` is then old for every runner.
 * So a runner counts as silent only when all of these hold:
 *
 * 1. the worker has been watching long enough: `observingSince` (its start, or its recovery from a failed pass) is at
 *    least the offline threshold ago;
 * 2. the last heartbeat the database has is older than the threshold;
 * 3. the runner's alive key (`runnerAliveKey`, refreshed by the runner at every heartbeat with a TTL of a few
 *    heartbeats) is gone from Redis — Redis's clock, not the worker's reading of the stream. When Redis cannot be
 *    asked, nobody is judged.
 *
 * And a job is taken from a silent runner only when no runner holds its BullMQ lock (hand-back-from-silent-runners.ts).
 */
import { runnerAliveKey } from "@whetstone/queue";
import type { ReconcilePass } from "./reconcile.types";

/** Whether the pass may judge liveness at all: its observer has watched for at least the offline threshold. */
export function observedLongEnough(pass: ReconcilePass): boolean {
  return pass.now().getTime() - pass.observingSince.getTime() >= pass.runnerOfflineAfterMs;
}

/** The runners among `names` whose alive key is in Redis; null when Redis could not be asked. */
export async function runnersAliveInRedis(pass: ReconcilePass, names: readonly string[]): Promise<Set<string> | null> {
  if (names.length === 0) return new Set();
  try {
    const redis = await pass.trainingQueue.getBackend().client;
    const values = await Promise.all(names.map((n) => redis.get(runnerAliveKey(n, pass.keyPrefix))));
    return new Set(names.filter((_, i) => values[i] !== null));
  } catch (err) {
    pass.log.warn("cannot read the runners' alive keys; no runner is judged offline this pass", { err });
    return null;
  }
}
