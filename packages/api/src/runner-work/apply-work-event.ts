/**
 * Runner events of runner work (`kind` "score", "simulate" or "augment", `jobId` = the row's id),
 * applied with the rules of evaluations (decision 0002): the state machine decides, only the runner holding running
 * work moves it, final states are final.
 *
 * - state `succeeded`: the kind reads what the runner wrote (the selection, the simulation report) from blob storage,
 *   or records the dataset version prepared before the transaction (augment); a file that is missing or does not
 *   match what was reported fails the work with the reason. Storage being unreachable throws: the event is retried.
 * - metric: the kind's progress values (`rows_done`/`rows_total`, `steps_done`/`steps_total`) are the progress.
 * - log: level `error` is kept as `error`, the reason shown when `failed` carries no message.
 * - checkpoint: this work has none; ignored.
 */
import type { JobState } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";
import {
  applied,
  ignored,
  withDuplicateDropped,
  type ApplyOptions,
  type ApplyResult,
  type EventOf,
  type Tx,
} from "../runner-events/runner-event.types";
import { judgeStateReport } from "../runner-events/judge-state-report";
import { workKind } from "./registry";
import type { WorkKind } from "./work-kinds";

type JobEvent = Exclude<RunnerEvent, { type: "heartbeat" }>;

export async function applyWorkEvent(tx: Tx, kind: WorkKind, e: JobEvent, opts: ApplyOptions): Promise<ApplyResult> {
  switch (e.type) {
    case "state":
      return applyState(tx, kind, e, opts);
    case "metric":
      return applyProgress(tx, kind, e);
    case "log":
      return applyLog(tx, kind, e);
    case "checkpoint":
      return ignored(`${workKind(kind).noun} ${e.jobId}: no checkpoints`);
  }
}

async function applyState(tx: Tx, kind: WorkKind, e: EventOf<"state">, opts: ApplyOptions): Promise<ApplyResult> {
  const spec = workKind(kind);
  const locked = await tx.$queryRawUnsafe<
    Array<{ state: JobState; runnerName: string | null; lastRunnerName: string | null; error: string | null }>
  >(`SELECT "state", "runnerName", "lastRunnerName", "error" FROM "${spec.table}" WHERE "id" = $1 FOR UPDATE`, e.jobId);
  const row = locked[0];
  if (!row) return ignored(`unknown ${spec.noun} ${e.jobId}`);
  const verdict = await judgeStateReport(tx, spec.noun, row, e);
  if (!verdict.apply) return ignored(verdict.reason);
  const ts = new Date(e.ts);
  let data: Record<string, unknown>;
  switch (e.state) {
    case "running": {
      const current = await spec.delegate(tx).findUnique({ where: { id: e.jobId }, select: { startedAt: true } });
      data = {
        state: "running",
        runnerName: e.runner,
        lastRunnerName: e.runner,
        attempt: e.attempt,
        startedAt: (current?.startedAt as Date | null) ?? ts,
        error: null,
      };
      break;
    }
    case "queued":
      data = { state: "queued", runnerName: null };
      break;
    case "succeeded": {
      if (!opts.storage) throw new Error(`applying a ${spec.noun}'s success needs blob storage (ApplyOptions.storage)`);
      const outcome = await spec.succeeded({ tx, id: e.jobId, event: e, storage: opts.storage, opts });
      data = outcome.ok
        ? { ...outcome.data, state: "succeeded", finishedAt: ts, error: null }
        : { state: "failed", finishedAt: ts, error: `the runner reported success, but ${outcome.reason}` };
      break;
    }
    case "failed":
      data = {
        state: "failed",
        finishedAt: ts,
        error: e.message ?? row.error ?? "the runner reported a failure without a message",
      };
      break;
    case "cancelled":
      data = { state: "cancelled", finishedAt: ts };
      break;
    default:
      return ignored(`a ${spec.noun} cannot be ${e.state}`);
  }
  await spec.delegate(tx).update({ where: { id: e.jobId }, data });
  if (data.state === "succeeded" || data.state === "failed" || data.state === "cancelled") {
    await tx.runner.updateMany({ where: { name: e.runner }, data: { jobsDone: { increment: 1 } } });
  }
  return withDuplicateDropped(
    applied([{ jobId: e.jobId, message: { type: "state", kind, state: data.state } }]),
    e.jobId,
    verdict.late,
  );
}

async function applyProgress(tx: Tx, kind: WorkKind, e: EventOf<"metric">): Promise<ApplyResult> {
  const spec = workKind(kind);
  const { done: doneKey, total: totalKey, doneColumn, totalColumn } = spec.progress;
  const done = e.values[doneKey];
  const total = e.values[totalKey];
  const row = await spec.delegate(tx).findUnique({ where: { id: e.jobId }, select: { id: true } });
  if (!row) return ignored(`unknown ${spec.noun} ${e.jobId}`);
  if (done === undefined && total === undefined) return ignored(`no ${doneKey} / ${totalKey} in the metric`);
  const data: Record<string, number> = {};
  if (total !== undefined) data[totalColumn] = Math.max(0, Math.round(total));
  if (done !== undefined) data[doneColumn] = Math.max(0, Math.round(done));
  // Progress of final work is history; a retry may start lower (the runner resumes from what it saved).
  await spec.delegate(tx).updateMany({ where: { id: e.jobId, state: { in: ["queued", "running"] } }, data });
  const now = await spec
    .delegate(tx)
    .findUnique({ where: { id: e.jobId }, select: { [doneColumn]: true, [totalColumn]: true } });
  return applied([
    {
      jobId: e.jobId,
      message: { type: "progress", kind, progressDone: now?.[doneColumn], progressTotal: now?.[totalColumn] },
    },
  ]);
}

async function applyLog(tx: Tx, kind: WorkKind, e: EventOf<"log">): Promise<ApplyResult> {
  const spec = workKind(kind);
  const row = await spec.delegate(tx).findUnique({ where: { id: e.jobId }, select: { id: true } });
  if (!row) return ignored(`unknown ${spec.noun} ${e.jobId}`);
  if (e.level !== "error") return applied();
  await spec
    .delegate(tx)
    .updateMany({ where: { id: e.jobId, state: { in: ["queued", "running"] } }, data: { error: e.message } });
  return applied([{ jobId: e.jobId, message: { type: "log", kind } }]);
}
