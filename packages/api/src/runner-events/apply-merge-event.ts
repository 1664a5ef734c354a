/**
 * Runner events of a `merge` job (`kind` "merge"; see jobs/merge-job-weights.ts). The agent reports under the BullMQ
 * job id, a MergeJob row's id: those events move the row with the rules of runner work (runner-work/apply-work-event.ts;
 * its success adds the merged_model artifacts, jobs/merge-work.ts). The handler's own lines carry the payload's `jobId`,
 * the fine-tuning job. Either way they also become lines of the job's events; the job's own state never moves (it
 * stays succeeded). Events of a merge enqueued before merges had rows (BullMQ id `merge_<jobId>`) keep the old rule:
 * notes, and `succeeded` adds its artifacts.
 */
import { STORAGE_LAYOUT, storageKey, type RunnerEvent } from "@whetstone/queue";
import { applyWorkEvent } from "../runner-work/apply-work-event";
import { applied, ignored, type ApplyOptions, type ApplyResult, type EventOf, type Tx } from "./runner-event.types";

type JobEventOfRunner = Exclude<RunnerEvent, { type: "heartbeat" }>;

/** The BullMQ id of a merge enqueued before merges had rows. */
export const MERGE_QUEUE_ID_PREFIX = "merge_";
export const fineTuneJobIdOfMerge = (id: string) =>
  id.startsWith(MERGE_QUEUE_ID_PREFIX) ? id.slice(MERGE_QUEUE_ID_PREFIX.length) : id;

export async function applyMergeEvent(tx: Tx, event: JobEventOfRunner, opts: ApplyOptions): Promise<ApplyResult> {
  const row = await tx.mergeJob.findUnique({ where: { id: event.jobId }, select: { jobId: true } });
  if (row) {
    const result = await applyWorkEvent(tx, "merge", event, opts);
    if (result.outcome === "applied" && event.type === "state") {
      const now = await tx.mergeJob.findUniqueOrThrow({
        where: { id: event.jobId },
        select: { state: true, error: true },
      });
      await noteState(tx, { ...event, jobId: row.jobId }, now.state, now.error);
    }
    return result;
  }
  const e = { ...event, jobId: fineTuneJobIdOfMerge(event.jobId) } as JobEventOfRunner;
  const job = await tx.fineTuneJob.findUnique({ where: { id: e.jobId }, select: { id: true } });
  if (!job) return ignored(`unknown job or merge ${event.jobId}`);
  switch (e.type) {
    case "state":
      if (e.state === "succeeded") await addMergedArtifacts(tx, e);
      await noteState(tx, e, e.state, e.state === "failed" || e.state === "cancelled" ? (e.message ?? null) : null);
      return applied([{ jobId: e.jobId, message: { type: "merge", state: e.state } }]);
    case "log":
      await note(tx, e.jobId, e.eventId, e.level, `merge: ${e.message}`, e.ts);
      return applied([{ jobId: e.jobId, message: { type: "log" } }]);
    case "metric":
    case "checkpoint":
      return ignored(`merge of job ${e.jobId}: no ${e.type}s`);
  }
}

/** A merge enqueued before merges had rows: its reported merged_model files under the job's own prefix. */
async function addMergedArtifacts(tx: Tx, e: EventOf<"state">) {
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
}

/** The merge's state as a line of the job's events (`state`: what the merge is now). */
async function noteState(tx: Tx, e: EventOf<"state">, state: string, error: string | null) {
  let level: Level = "info";
  let message: string;
  if (state === "succeeded") {
    const n = await tx.artifact.aggregate({
      where: { jobId: e.jobId, kind: "merged_model" },
      _count: true,
      _sum: { bytes: true },
    });
    const mb = Number(n._sum.bytes ?? 0n) / 1e6;
    message = `merged weights stored on ${e.runner}: ${n._count} files, ${mb.toFixed(1)} MB`;
  } else if (state === "failed" || state === "cancelled") {
    level = "error";
    message = `merging the weights ${state}: ${error ?? "no reason given"}`;
  } else {
    message = `merging the weights: ${state} on ${e.runner}`;
  }
  await note(tx, e.jobId, e.eventId, level, message, e.ts);
}

type Level = EventOf<"log">["level"];

async function note(tx: Tx, jobId: string, eventId: string, level: Level, message: string, ts: string) {
  await tx.jobEvent.create({ data: { jobId, eventId, kind: "log", level, message, createdAt: new Date(ts) } });
}
