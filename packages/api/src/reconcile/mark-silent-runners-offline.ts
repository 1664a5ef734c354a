/** (c) Runners silent since before `cutoff` are marked offline; a heartbeat that arrived meanwhile wins. */
import type { ReconcilePass } from "./reconcile.types";

export async function markSilentRunnersOffline(pass: ReconcilePass, cutoff: Date): Promise<void> {
  const silent = await pass.prisma.runner.findMany({
    where: { state: { not: "offline" }, lastHeartbeatAt: { lt: cutoff } },
    select: { name: true, lastHeartbeatAt: true },
  });
  for (const r of silent) {
    // Conditional: a heartbeat that arrived meanwhile wins.
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
