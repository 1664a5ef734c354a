/**
 * Applies one runner event to the database, inside the caller's transaction. The caller has already
 * recorded the event id in ProcessedEvent (so a replay never reaches this function); everything here
 * either commits together with that record or not at all.
 */
import { stateEventMessage } from "@whetstone/api";
import { canTransition } from "@whetstone/core";
import type { JobState, Prisma } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";
import type { Logger } from "../logger";

type Tx = Prisma.TransactionClient;
type EventOf<T extends RunnerEvent["type"]> = Extract<RunnerEvent, { type: T }>;

/** A message for the open pages of one job (published on `jobUpdatesChannel(jobId)` after commit). */
export interface JobUpdate {
  jobId: string;
  message: Record<string, unknown>;
}

export type ApplyResult =
  { outcome: "applied"; updates: JobUpdate[] } | { outcome: "ignored"; reason: string; updates: JobUpdate[] };

export interface ApplyOptions {
  logger: Logger;
  /** Longest gap between two heartbeats that is metered as GPU time (a longer silence is not billed). */
  maxMeteredGapMs: number;
}

const applied = (updates: JobUpdate[] = []): ApplyResult => ({ outcome: "applied", updates });
const ignored = (reason: string): ApplyResult => ({ outcome: "ignored", reason, updates: [] });

export async function applyRunnerEvent(tx: Tx, event: RunnerEvent, opts: ApplyOptions): Promise<ApplyResult> {
  switch (event.type) {
    case "state":
      return applyState(tx, event);
    case "log":
      return applyLog(tx, event);
    case "metric":
      return applyMetric(tx, event);
    case "checkpoint":
      return applyCheckpoint(tx, event);
    case "heartbeat":
      return applyHeartbeat(tx, event, opts);
  }
}

async function jobExists(tx: Tx, jobId: string): Promise<boolean> {
  return (await tx.fineTuneJob.count({ where: { id: jobId } })) > 0;
}

/** UTC calendar month of a date, as UsageRecord keeps it: "2026-01". */
export const usageMonth = (d: Date): string => d.toISOString().slice(0, 7);

async function applyState(tx: Tx, e: EventOf<"state">): Promise<ApplyResult> {
  // Lock the job row: the reconciler (and the API's cancel) move states too.
  const locked = await tx.$queryRaw<Array<{ state: JobState }>>`
    SELECT "state" FROM "FineTuneJob" WHERE "id" = ${e.jobId} FOR UPDATE`;
  if (locked.length === 0) return ignored(`unknown job ${e.jobId}`);
  const job = await tx.fineTuneJob.findUniqueOrThrow({ where: { id: e.jobId }, include: { baseModel: true } });

  if (!canTransition(job.state, e.state)) {
    return ignored(`a job in state "${job.state}" cannot move to "${e.state}"`);
  }
  // A runner the job was taken from (declared offline, the job re-queued and picked up elsewhere) may still
  // report; only the runner that holds the job moves it out of `running`.
  if (job.state === "running" && job.runnerName !== null && job.runnerName !== e.runner) {
    return ignored(`job runs on "${job.runnerName}", not on "${e.runner}"`);
  }

  const ts = new Date(e.ts);
  let reason: string | null;
  let level: "info" | "error" = "info";
  let data: Prisma.FineTuneJobUpdateInput;
  switch (e.state) {
    case "running":
      reason = `on ${e.runner} (attempt ${e.attempt})${e.message ? `; ${e.message}` : ""}`;
      data = {
        state: "running",
        runnerName: e.runner,
        attempt: e.attempt,
        startedAt: job.startedAt ?? ts,
        error: null,
      };
      break;
    case "queued":
      // The runner keeps the BullMQ job (moved to delayed, or retried by BullMQ), so enqueuedAt stays set.
      reason = `${e.message ?? "handed back to the queue"} (runner ${e.runner})`;
      data = { state: "queued", runnerName: null, queuedAt: ts };
      break;
    case "succeeded":
      reason = `on ${e.runner}, ${e.artifacts.length} artifact${e.artifacts.length === 1 ? "" : "s"}`;
      data = { state: "succeeded", finishedAt: ts, summary: e.summary, error: null };
      break;
    case "failed":
      level = "error";
      reason = e.message ?? "the runner reported a failure without a message";
      data = { state: "failed", finishedAt: ts, error: reason };
      break;
    case "cancelled":
      reason = e.message;
      data = { state: "cancelled", finishedAt: ts };
      break;
  }
  const message = stateEventMessage(e.state, reason);

  await tx.fineTuneJob.update({ where: { id: job.id }, data });
  await tx.jobEvent.create({
    data: { jobId: job.id, eventId: e.eventId, kind: "state", level, message, createdAt: ts },
  });

  if (e.state === "succeeded") {
    if (e.artifacts.length > 0) {
      await tx.artifact.createMany({
        data: e.artifacts.map((a) => ({
          jobId: job.id,
          kind: a.kind,
          name: a.name,
          key: a.key,
          bytes: BigInt(a.bytes),
          sha256: a.sha256,
        })),
        skipDuplicates: true,
      });
    }
    // The output becomes a model a later job can start from (transfer learning); lineage through parentId.
    const model = {
      teamId: job.teamId,
      name: job.name,
      source: "artifact" as const,
      ref: `jobs/${job.id}/artifacts/`,
      artifactKind: job.method === "full" ? "merged" : "adapter",
      parentId: job.baseModelId,
      parameterCount: job.baseModel.parameterCount,
      contextLength: job.baseModel.contextLength,
    };
    await tx.baseModel.upsert({
      where: { sourceJobId: job.id },
      create: { ...model, sourceJobId: job.id },
      update: model,
    });
  }
  if (e.state === "succeeded" || e.state === "failed" || e.state === "cancelled") {
    await tx.runner.updateMany({ where: { name: e.runner }, data: { jobsDone: { increment: 1 } } });
  }
  return applied([{ jobId: job.id, message: { type: "state", state: e.state } }]);
}

async function applyLog(tx: Tx, e: EventOf<"log">): Promise<ApplyResult> {
  if (!(await jobExists(tx, e.jobId))) return ignored(`unknown job ${e.jobId}`);
  await tx.jobEvent.create({
    data: {
      jobId: e.jobId,
      eventId: e.eventId,
      kind: "log",
      level: e.level,
      message: e.message,
      createdAt: new Date(e.ts),
    },
  });
  return applied([{ jobId: e.jobId, message: { type: "log" } }]);
}

async function applyMetric(tx: Tx, e: EventOf<"metric">): Promise<ApplyResult> {
  if (!(await jobExists(tx, e.jobId))) return ignored(`unknown job ${e.jobId}`);
  const points = Object.entries(e.values).map(([name, value]) => ({
    jobId: e.jobId,
    step: e.step,
    epoch: e.epoch,
    name,
    value,
  }));
  if (points.length > 0) await tx.metricPoint.createMany({ data: points, skipDuplicates: true });
  await tx.fineTuneJob.updateMany({
    where: { id: e.jobId, currentStep: { lt: e.step } },
    data: { currentStep: e.step },
  });
  return applied([{ jobId: e.jobId, message: { type: "metric", step: e.step } }]);
}

async function applyCheckpoint(tx: Tx, e: EventOf<"checkpoint">): Promise<ApplyResult> {
  if (!(await jobExists(tx, e.jobId))) return ignored(`unknown job ${e.jobId}`);
  const data = { key: e.key, bytes: BigInt(e.bytes) };
  await tx.checkpoint.upsert({
    where: { jobId_step: { jobId: e.jobId, step: e.step } },
    create: { jobId: e.jobId, step: e.step, ...data },
    update: data,
  });
  return applied([{ jobId: e.jobId, message: { type: "checkpoint", step: e.step } }]);
}

/**
 * Upserts the runner and meters GPU time: the seconds between two heartbeats that both name the same
 * current job are charged to that job's team (capped, so a runner back from a long silence is not billed
 * for it). A job that starts or ends between two heartbeats is not charged for that partial interval.
 */
async function applyHeartbeat(tx: Tx, e: EventOf<"heartbeat">, opts: ApplyOptions): Promise<ApplyResult> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${"runner:" + e.runner}))`;
  const ts = new Date(e.ts);
  const prev = await tx.runner.findUnique({ where: { name: e.runner } });
  if (prev?.lastHeartbeatAt && ts <= prev.lastHeartbeatAt) return ignored("older than the runner's last heartbeat");

  let gpuSeconds = 0;
  let meteredJob: { id: string; teamId: string } | null = null;
  if (prev?.lastHeartbeatAt && e.currentJobId !== null && prev.currentJobId === e.currentJobId) {
    meteredJob = await tx.fineTuneJob.findUnique({ where: { id: e.currentJobId }, select: { id: true, teamId: true } });
    if (meteredJob) gpuSeconds = Math.min(ts.getTime() - prev.lastHeartbeatAt.getTime(), opts.maxMeteredGapMs) / 1000;
  }

  const fields = {
    gpuName: e.gpuName,
    vramMb: e.vramMb,
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
