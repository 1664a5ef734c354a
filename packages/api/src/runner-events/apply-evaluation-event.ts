/**
 * Runner events of an `evaluate` job (`kind` "evaluate", `jobId` = the evaluation's id), applied to the Evaluation row
 * with the rules of a job's events (decision 0002): the state machine decides, only the runner holding a running
 * evaluation moves it, final states are final. An evaluation never touches the training job it evaluates.
 *
 * - state `succeeded`: the report named by the `eval_report` artifact (else `evaluations/<id>/report.json`) is read
 *   from blob storage, checked (version 1, sha256 of the artifact) and its summary stored; a report that is missing
 *   or unreadable fails the evaluation with the reason. Storage being unreachable throws: the event is retried.
 * - metric: `examples_done` / `examples_total` are the progress.
 * - log: only level `error` is kept, as `error` (the last one), shown as the failure's reason when the runner's
 *   `failed` carries no message; other logs of an evaluation are not stored (there is no evaluation log).
 * - checkpoint: evaluations have none; ignored.
 */
import { createHash } from "node:crypto";
import type { JobState, Prisma } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";
import { evaluationReportKey } from "../evaluations/build-evaluation-payload";
import { readReport, summarizeReport } from "../evaluations/evaluation-report";
import { readBytes } from "../evaluations/get-evaluation";
import { judgeStateReport } from "./judge-state-report";
import {
  applied,
  ignored,
  withDuplicateDropped,
  type ApplyOptions,
  type ApplyResult,
  type EventOf,
  type Tx,
} from "./runner-event.types";

type JobEvent = Exclude<RunnerEvent, { type: "heartbeat" }>;

export async function applyEvaluationEvent(tx: Tx, e: JobEvent, opts: ApplyOptions): Promise<ApplyResult> {
  switch (e.type) {
    case "state":
      return applyEvaluationState(tx, e, opts);
    case "metric":
      return applyEvaluationProgress(tx, e);
    case "log":
      return applyEvaluationLog(tx, e);
    case "checkpoint":
      return ignored(`evaluation ${e.jobId}: evaluations have no checkpoints`);
  }
}

const unknown = (id: string) => ignored(`unknown evaluation ${id}`);

async function applyEvaluationState(tx: Tx, e: EventOf<"state">, opts: ApplyOptions): Promise<ApplyResult> {
  const locked = await tx.$queryRaw<
    Array<{ state: JobState; runnerName: string | null; lastRunnerName: string | null; error: string | null }>
  >`
    SELECT "state", "runnerName", "lastRunnerName", "error" FROM "Evaluation" WHERE "id" = ${e.jobId} FOR UPDATE`;
  const ev = locked[0];
  if (!ev) return unknown(e.jobId);
  const verdict = await judgeStateReport(tx, "evaluation", ev, e);
  if (!verdict.apply) return ignored(verdict.reason);

  const ts = new Date(e.ts);
  let data: Prisma.EvaluationUpdateInput;
  switch (e.state) {
    case "running": {
      const current = await tx.evaluation.findUniqueOrThrow({ where: { id: e.jobId }, select: { startedAt: true } });
      // A retry starts over: progress counts again from zero.
      data = {
        state: "running",
        runnerName: e.runner,
        lastRunnerName: e.runner,
        attempt: e.attempt,
        startedAt: current.startedAt ?? ts,
        error: null,
        examplesDone: 0,
      };
      break;
    }
    case "queued":
      data = { state: "queued", runnerName: null };
      break;
    case "succeeded":
      data = await succeeded(e, opts);
      break;
    case "failed":
      data = {
        state: "failed",
        finishedAt: ts,
        error: e.message ?? ev.error ?? "the runner reported a failure without a message",
      };
      break;
    case "cancelled":
      data = { state: "cancelled", finishedAt: ts };
      break;
    case "paused":
      return ignored("an evaluation cannot be paused");
  }
  await tx.evaluation.update({ where: { id: e.jobId }, data });
  if (data.state === "succeeded" || data.state === "failed" || data.state === "cancelled") {
    await tx.runner.updateMany({ where: { name: e.runner }, data: { jobsDone: { increment: 1 } } });
  }
  return withDuplicateDropped(
    applied([{ jobId: e.jobId, message: { type: "state", kind: "evaluate", state: data.state } }]),
    e.jobId,
    verdict.late,
  );
}

/** The update of a succeeded evaluation: its report read and summarized, or `failed` when there is none to read. */
async function succeeded(e: EventOf<"state">, opts: ApplyOptions): Promise<Prisma.EvaluationUpdateInput> {
  if (!opts.storage) throw new Error("applying an evaluation's success needs blob storage (ApplyOptions.storage)");
  const ts = new Date(e.ts);
  const artifact = e.artifacts.find((a) => a.kind === "eval_report");
  const key = artifact?.key ?? evaluationReportKey(e.jobId);
  const fail = (reason: string): Prisma.EvaluationUpdateInput => ({
    state: "failed",
    finishedAt: ts,
    error: `the runner reported success, but ${reason}`,
  });

  // Errors of the storage itself (unreachable) propagate: the event is retried. A missing blob is final.
  if (!(await opts.storage.stat(key))) return fail(`its report ${key} is not in storage`);
  const bytes = await readBytes(opts.storage, key);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (artifact && artifact.sha256 !== sha256) {
    return fail(`its report ${key} does not match the sha256 it reported (${artifact.sha256}, stored ${sha256})`);
  }
  const read = readReport(bytes.toString("utf8"));
  if (!read.ok) return fail(`its report ${key} is ${read.reason}`);
  return {
    state: "succeeded",
    finishedAt: ts,
    error: null,
    reportKey: key,
    reportBytes: BigInt(bytes.length),
    reportSha256: sha256,
    summary: summarizeReport(read.report) as Prisma.InputJsonObject,
  };
}

async function applyEvaluationProgress(tx: Tx, e: EventOf<"metric">): Promise<ApplyResult> {
  const done = e.values.examples_done;
  const total = e.values.examples_total;
  const exists = await tx.evaluation.count({ where: { id: e.jobId } });
  if (exists === 0) return unknown(e.jobId);
  if (done === undefined && total === undefined) return ignored("no examples_done / examples_total in the metric");
  const data: Prisma.EvaluationUpdateManyMutationInput = {};
  if (total !== undefined) data.examplesTotal = Math.max(0, Math.round(total));
  if (done !== undefined) data.examplesDone = Math.max(0, Math.round(done));
  // Progress of a final evaluation is history: leave it. Progress only moves forward within an attempt.
  await tx.evaluation.updateMany({
    where: {
      id: e.jobId,
      state: { in: ["queued", "running"] },
      ...(done !== undefined ? { examplesDone: { lte: Math.round(done) } } : {}),
    },
    data,
  });
  const row = await tx.evaluation.findUniqueOrThrow({
    where: { id: e.jobId },
    select: { examplesDone: true, examplesTotal: true },
  });
  return applied([{ jobId: e.jobId, message: { type: "progress", kind: "evaluate", ...row } }]);
}

async function applyEvaluationLog(tx: Tx, e: EventOf<"log">): Promise<ApplyResult> {
  const exists = await tx.evaluation.count({ where: { id: e.jobId } });
  if (exists === 0) return unknown(e.jobId);
  if (e.level !== "error") return applied();
  await tx.evaluation.updateMany({
    where: { id: e.jobId, state: { in: ["queued", "running"] } },
    data: { error: e.message },
  });
  return applied([{ jobId: e.jobId, message: { type: "log", kind: "evaluate" } }]);
}
