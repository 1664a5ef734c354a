/**
 * A runner's report that a job changed state: judgeStateReport decides whether it applies (the state machine, the
 * holder of a running job, the final word of the runner that held it), and a final state counts toward the runner's
 * jobs done.
 */
import type { JobState, Prisma } from "@whetstone/db";
import { createRoundEvaluation } from "../active-learning/round-evaluation";
import { createTestSplitEvaluation } from "../evaluations/create-test-split-evaluation";
import { stateEventMessage } from "../jobs/job-events";
import { judgeStateReport, LATE_FINAL_NOTE } from "./judge-state-report";
import { recordProducedModel } from "./record-produced-model";
import {
  applied,
  ignored,
  withDuplicateDropped,
  type ApplyEffect,
  type ApplyResult,
  type EventOf,
  type Tx,
} from "./runner-event.types";

export async function applyStateEvent(tx: Tx, e: EventOf<"state">): Promise<ApplyResult> {
  // Lock the job row: the reconciler (and the API's cancel) move states too.
  const locked = await tx.$queryRaw<Array<{ state: JobState }>>`
    SELECT "state" FROM "FineTuneJob" WHERE "id" = ${e.jobId} FOR UPDATE`;
  if (locked.length === 0) return ignored(`unknown job ${e.jobId}`);
  const job = await tx.fineTuneJob.findUniqueOrThrow({
    where: { id: e.jobId },
    include: { baseModel: true, datasets: { select: { datasetVersionId: true } } },
  });

  // The state machine, the holder of a running job, and the final word of the runner that held it (judge-state-report.ts).
  const verdict = await judgeStateReport(tx, "job", job, e);
  if (!verdict.apply) return ignored(verdict.reason);

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
        lastRunnerName: e.runner,
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
    case "paused":
      // Handed back on request (pauseJob set the pause key); the runner completed its BullMQ job, so resumeJob
      // enqueues the job afresh and it continues from its newest checkpoint (decision 0010).
      reason = `${e.message ?? "paused on request"} (runner ${e.runner})`;
      data = { state: "paused", runnerName: null, pauseRequestedAt: null, enqueuedAt: null };
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
  if (verdict.late) reason = `${reason}; ${LATE_FINAL_NOTE}`;
  const message = stateEventMessage(e.state, reason);

  await tx.fineTuneJob.update({ where: { id: job.id }, data });
  await tx.jobEvent.create({
    data: { jobId: job.id, eventId: e.eventId, kind: "state", level, message, createdAt: ts },
  });

  const effects: ApplyEffect[] = [];
  if (e.state === "succeeded") {
    const produced = await recordProducedModel(tx, job, e.artifacts);
    // The automatic evaluation against the base on the held-out test split (decision 0007), enqueued after commit.
    const evaluationId = await createTestSplitEvaluation(tx, job, produced.id);
    if (evaluationId) effects.push({ type: "enqueueEvaluation", evaluationId });
    // An active-learning round's model: evaluated on the project's fixed held-out set (decision 0008).
    const roundEvaluationId = await createRoundEvaluation(tx, job.id, produced.id);
    if (roundEvaluationId) effects.push({ type: "enqueueEvaluation", evaluationId: roundEvaluationId });
  }
  if (e.state === "succeeded" || e.state === "failed" || e.state === "cancelled") {
    await tx.runner.updateMany({ where: { name: e.runner }, data: { jobsDone: { increment: 1 } } });
  }
  // A late final report: the BullMQ job the reconciler added meanwhile must not run the job again.
  return withDuplicateDropped(
    applied([{ jobId: job.id, message: { type: "state", state: e.state } }], effects),
    job.id,
    verdict.late,
  );
}
