/**
 * Runner bookkeeping and metering: a heartbeat upserts the runner, and the seconds between two heartbeats that
 * both name the same current job are charged to that job's team (capped, so a runner back from a long silence
 * is not billed for it). A job that starts or ends between two heartbeats is not charged for that partial interval.
 */
import { usageMonth } from "../scheduling/quota";
import { applied, ignored, type ApplyOptions, type ApplyResult, type EventOf, type Tx } from "./runner-event.types";

export async function applyHeartbeat(tx: Tx, e: EventOf<"heartbeat">, opts: ApplyOptions): Promise<ApplyResult> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${"runner:" + e.runner}))`;
  const ts = new Date(e.ts);
  const prev = await tx.runner.findUnique({ where: { name: e.runner } });
  if (prev?.lastHeartbeatAt && ts <= prev.lastHeartbeatAt) return ignored("older than the runner's last heartbeat");

  let gpuSeconds = 0;
  let meteredJob: { id: string; teamId: string; gpuCount: number } | null = null;
  if (prev?.lastHeartbeatAt && e.currentJobId !== null && prev.currentJobId === e.currentJobId) {
    meteredJob = await tx.fineTuneJob.findUnique({
      where: { id: e.currentJobId },
      select: { id: true, teamId: true, gpuCount: true },
    });
    // A merge (merged weights on request, decision 0013) is the job's work: metered to it, on one GPU.
    if (!meteredJob) meteredJob = await mergeAsMetered(tx, e.currentJobId);
    // GPU-seconds: wall-clock seconds times the job's GPUs (decision 0014).
    if (meteredJob)
      gpuSeconds =
        (Math.min(ts.getTime() - prev.lastHeartbeatAt.getTime(), opts.maxMeteredGapMs) / 1000) * meteredJob.gpuCount;
  }

  const fields = {
    gpuName: e.gpuName,
    vramMb: e.vramMb,
    // A runner older than multi-GPU jobs sends no count: one GPU when it reports VRAM.
    gpuCount: e.gpuCount ?? (e.vramMb ? 1 : 0),
    gpusFree: e.gpusFree ?? (e.vramMb && e.currentJobId === null ? 1 : 0),
    cudaVersion: e.cudaVersion,
    version: e.version,
    state: e.state,
    currentJobId: e.currentJobId,
    lastHeartbeatAt: ts,
  };
  await tx.runner.upsert({
    where: { name: e.runner },
    create: { name: e.runner, ...fields },
    update: { ...fields, gpuSeconds: { increment: gpuSeconds } },
  });
  if (meteredJob && gpuSeconds > 0) {
    const month = usageMonth(ts);
    await tx.usageRecord.upsert({
      where: { jobId_month: { jobId: meteredJob.id, month } },
      create: { jobId: meteredJob.id, teamId: meteredJob.teamId, month, gpuSeconds },
      update: { gpuSeconds: { increment: gpuSeconds } },
    });
  }
  return applied();
}

/** The fine-tuning job a merge's GPU time is charged to, by the merge's id (the BullMQ job id the runner reports). */
async function mergeAsMetered(tx: Tx, id: string) {
  const merge = await tx.mergeJob.findUnique({
    where: { id },
    select: { job: { select: { id: true, teamId: true } } },
  });
  return merge ? { ...merge.job, gpuCount: 1 } : null;
}
