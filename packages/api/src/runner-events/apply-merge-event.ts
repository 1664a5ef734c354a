/**
 * Runner events of a `merge` job (`kind` "merge", `jobId` = the fine-tuning job whose adapter is merged; see
 * jobs/merge-job-weights.ts). They never move the job's own state (it stays succeeded): they become lines of the job's
 * events, and `succeeded` adds the `merged_model` artifacts it reports to the job, so the archive download
 * `kind=merged_model` serves them. Replays change nothing (the artifacts are unique per job and key).
 */
import { STORAGE_LAYOUT, storageKey, type RunnerEvent } from "@whetstone/queue";
import { applied, ignored, type ApplyResult, type EventOf, type Tx } from "./runner-event.types";

type JobEventOfRunner = Exclude<RunnerEvent, { type: "heartbeat" }>;

export const MERGE_QUEUE_ID_PREFIX = "merge_";
export const fineTuneJobIdOfMerge = (id: string) =>
  id.startsWith(MERGE_QUEUE_ID_PREFIX) ? id.slice(MERGE_QUEUE_ID_PREFIX.length) : id;

export async function applyMergeEvent(tx: Tx, event: JobEventOfRunner): Promise<ApplyResult> {
  // The runner agent reports under the BullMQ job id (`merge_<jobId>`), the handler under the payload's jobId.
  const e = { ...event, jobId: fineTuneJobIdOfMerge(event.jobId) } as JobEventOfRunner;
  const job = await tx.fineTuneJob.findUnique({ where: { id: e.jobId }, select: { id: true } });
  if (!job) return ignored(`unknown job ${e.jobId}`);
  switch (e.type) {
    case "state":
      return applyMergeState(tx, e);
    case "log":
      await note(tx, e.jobId, e.eventId, e.level, `merge: ${e.message}`, e.ts);
      return applied([{ jobId: e.jobId, message: { type: "log" } }]);
    case "metric":
    case "checkpoint":
      return ignored(`merge of job ${e.jobId}: no ${e.type}s`);
  }
}

async function applyMergeState(tx: Tx, e: EventOf<"state">): Promise<ApplyResult> {
  let level: Level = "info";
  let message: string;
  switch (e.state) {
    case "succeeded": {
      // Only files under the job's own artifacts prefix: a runner cannot attach another job's files to this one.
      const prefix = storageKey(STORAGE_LAYOUT.artifacts, {
        outputPrefix: storageKey(STORAGE_LAYOUT.jobOutput, { jobId: e.jobId }),
      });
      const merged = e.artifacts.filter((a) => a.kind === "merged_model" && a.key.startsWith(prefix));
      await tx.artifact.createMany({
        data: merged.map((a) => ({
          jobId: e.jobId,
          kind: a.kind,
          name: a.name,
          key: a.key,
          bytes: BigInt(a.bytes),
          sha256: a.sha256,
        })),
        skipDuplicates: true,
      });
      const mb = merged.reduce((n, a) => n + a.bytes, 0) / 1e6;
      message = `merged weights stored on ${e.runner}: ${merged.length} files, ${mb.toFixed(1)} MB`;
      break;
    }
    case "failed":
    case "cancelled":
      level = "error";
      message = `merging the weights ${e.state}: ${e.message ?? "no reason given"}`;
      break;
    default:
      message = `merging the weights: ${e.state} on ${e.runner}`;
  }
  await note(tx, e.jobId, e.eventId, level, message, e.ts);
  return applied([{ jobId: e.jobId, message: { type: "merge", state: e.state } }]);
}

type Level = EventOf<"log">["level"];

async function note(tx: Tx, jobId: string, eventId: string, level: Level, message: string, ts: string) {
  await tx.jobEvent.create({ data: { jobId, eventId, kind: "log", level, message, createdAt: new Date(ts) } });
}
