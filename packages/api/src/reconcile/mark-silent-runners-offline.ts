/**
 * (c) Runners silent since before `cutoff` are marked offline, judged by the rules of liveness.ts: only by a worker
 * that has watched long enough, and only when the runner's alive key in Redis has expired too. A heartbeat that
 * arrived meanwhile wins (conditional update).
 */
import { observedLongEnough, runnersAliveInRedis } from "./liveness";
import type { ReconcilePass } from "./reconcile.types";

export async function markSilentRunnersOffline(pass: ReconcilePass, cutoff: Date): Promise<void> {
  if (!observedLongEnough(pass)) return;
  const stale = await pass.prisma.runner.findMany({
    where: { state: { not: "offline" }, lastHeartbeatAt: { lt: cutoff } },
    select: { name: true, lastHeartbeatAt: true },
  });
  if (stale.length === 0) return;
  const alive = await runnersAliveInRedis(
    pass,
    stale.map((r) => r.name),
  );
  if (!alive) return;
  for (const r of stale) {
    if (alive.has(r.name)) continue; // its heartbeats are in Redis, not read yet: alive
    const { count } = await pass.prisma.runner.updateMany({
      where: { name: r.name, state: { not: "offline" }, lastHeartbeatAt: { lt: cutoff } },
      data: { state: "offline", currentJobId: null },
    });
    if (count === 1) {
      pass.report.runnersOffline.push(r.name);
      pass.log.warn("runner went silent; marked offline", { runner: r.name, lastHeartbeatAt: r.lastHeartbeatAt });
    }
  }
}
