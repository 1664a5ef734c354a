/**
 * Runner events of an augmentation (`kind` "augment", `jobId` = the augmentation's id), with the rules of every
 * runner work (decision 0002, judgeStateReport): the state machine decides, only the runner holding it moves it.
 * `succeeded` records the runner's summary and its augmented_rows artifact; the new dataset version is made after
 * the commit by finalizeAugmentation (it streams files and writes a version in transactions of its own).
 * Metrics `rows_done` / `rows_total` are the progress; an `error` log is kept as the reason.
 */
import type { Prisma } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";
import { judgeStateReport } from "../runner-events/judge-state-report";
import { applied, ignored, type ApplyResult, type EventOf, type Tx } from "../runner-events/runner-event.types";

type JobEvent = Exclude<RunnerEvent, { type: "heartbeat" }>;

export async function applyAugmentationEvent(tx: Tx, e: JobEvent): Promise<ApplyResult> {
  switch (e.type) {
    case "state":
      return applyState(tx, e);
    case "metric": {
      const done = e.values.rows_done;
      const total = e.values.rows_total;
      if (done === undefined && total === undefined) return ignored("no rows_done / rows_total in the metric");
      const n = await tx.augmentation.updateMany({
        where: { id: e.jobId, state: { in: ["queued", "running"] } },
        data: {
          ...(done !== undefined ? { rowsDone: Math.max(0, Math.round(done)) } : {}),
          ...(total !== undefined ? { rowsTotal: Math.max(0, Math.round(total)) } : {}),
        },
      });
      return n.count ? applied([{ jobId: e.jobId, message: { type: "metric", step: e.step } }]) : ignored("final");
    }
    case "log":
      // Only an error is kept (as the reason a failure shows); other lines have nowhere to go, which is not a fault.
      if (e.level !== "error") return applied();
      await tx.augmentation.updateMany({ where: { id: e.jobId }, data: { error: e.message } });
      return applied();
    case "checkpoint":
      return ignored(`augmentation ${e.jobId}: no checkpoints`);
  }
}

async function applyState(tx: Tx, e: EventOf<"state">): Promise<ApplyResult> {
  const row = await tx.augmentation.findUnique({
    where: { id: e.jobId },
    select: { state: true, runnerName: true, error: true, startedAt: true },
  });
  if (!row) return ignored(`unknown augmentation ${e.jobId}`);
  const verdict = await judgeStateReport(tx, "augmentation", { ...row, lastRunnerName: null }, e);
  if (!verdict.apply) return ignored(verdict.reason);
  const ts = new Date(e.ts);
  let data: Prisma.AugmentationUpdateInput;
  switch (e.state) {
    case "running":
      data = {
        state: "running",
        runnerName: e.runner,
        attempt: e.attempt,
        startedAt: row.startedAt ?? ts,
        error: null,
      };
      break;
    case "queued":
      data = { state: "queued", runnerName: null };
      break;
    case "succeeded": {
      const artifact = e.artifacts?.find((a) => a.kind === "augmented_rows");
      data = artifact
        ? {
            state: "succeeded",
            finishedAt: ts,
            error: null,
            summary: {
              ...(e.summary ?? {}),
              artifact: { key: artifact.key, bytes: artifact.bytes, sha256: artifact.sha256 },
            },
          }
        : { state: "failed", finishedAt: ts, error: "the runner reported success without the augmented_rows artifact" };
      break;
    }
    case "failed":
      data = { state: "failed", finishedAt: ts, error: e.message ?? row.error ?? "the runner reported a failure" };
      break;
    case "cancelled":
      data = { state: "cancelled", finishedAt: ts };
      break;
    default:
      return ignored(`an augmentation cannot be ${e.state}`);
  }
  await tx.augmentation.update({ where: { id: e.jobId }, data });
  return applied([{ jobId: e.jobId, message: { type: "state", kind: "augment", state: data.state as string } }]);
}
