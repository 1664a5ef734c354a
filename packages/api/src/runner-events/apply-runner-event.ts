/**
 * Applies one runner event to the database, inside the caller's transaction. The caller (apps/worker's events
 * consumer) has already recorded the event id in ProcessedEvent (so a replay never reaches this function);
 * everything here either commits together with that record or not at all. See docs/decisions/0002-events-persistence.md.
 */
import type { RunnerEvent } from "@whetstone/queue";
import { applyWorkEvent } from "../runner-work/apply-work-event";
import { applyEvaluationEvent } from "./apply-evaluation-event";
import { applyHeartbeat } from "./apply-heartbeat";
import { applyMergeEvent } from "./apply-merge-event";
import { applyStateEvent } from "./apply-state-event";
import { applied, ignored, type ApplyOptions, type ApplyResult, type EventOf, type Tx } from "./runner-event.types";

export async function applyRunnerEvent(tx: Tx, event: RunnerEvent, opts: ApplyOptions): Promise<ApplyResult> {
  if (event.type !== "heartbeat" && event.kind === "evaluate") return applyEvaluationEvent(tx, event, opts);
  // A merge on request is runner work of its own (a MergeJob row); it never moves the job's state.
  if (event.type !== "heartbeat" && event.kind === "merge") return applyMergeEvent(tx, event, opts);
  if (event.type !== "heartbeat" && (event.kind === "score" || event.kind === "simulate" || event.kind === "augment"))
    return applyWorkEvent(tx, event.kind, event, opts);
  // A generation streams its tokens to its own Redis stream (decision 0007); nothing of it is persisted.
  if (event.type !== "heartbeat" && event.kind === "generate")
    return ignored("events of generate jobs are not persisted");
  switch (event.type) {
    case "state":
      return applyStateEvent(tx, event);
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
  // The files with size and sha256 when the runner reports them (older runners do not).
  const data = { key: e.key, bytes: BigInt(e.bytes), ...(e.files ? { files: e.files } : {}) };
  await tx.checkpoint.upsert({
    where: { jobId_step: { jobId: e.jobId, step: e.step } },
    create: { jobId: e.jobId, step: e.step, ...data },
    update: data,
  });
  return applied([{ jobId: e.jobId, message: { type: "checkpoint", step: e.step } }]);
}
