/**
 * /v1/fine_tuning/jobs/{id}/events: the job's log (state changes, the runner's log lines, the platform's notes) as
 * `fine_tuning.job.event` objects, newest first as OpenAI lists them; `after` is the last event id of the previous
 * page (older events follow). A state change reads as OpenAI words it, with Whetstone's reason after it.
 */
import type { Prisma, PrismaClient } from "@whetstone/db";
import { parseStateEventMessage } from "../jobs/job-events";
import { invalidRequest } from "./errors";
import { eventId, EVENT_PREFIX, JOB_PREFIX, stripPrefix, unix } from "./ids";
import type { OpenAiTeam } from "./models";
import { noSuchJob } from "./fine-tuning-jobs";

const STATE_WORDS: Record<string, string> = {
  validating_files: "Validating training file",
  pending_quota: "Waiting for the team's GPU quota",
  queued: "Job queued",
  running: "Fine-tuning job started",
  paused: "Fine-tuning job paused",
  succeeded: "The job has successfully completed",
  failed: "The job failed",
  cancelled: "The job was cancelled",
};

const LEVEL = { debug: "info", info: "info", warning: "warn", error: "error" } as const;

export async function listFineTuningJobEvents(
  prisma: PrismaClient,
  team: OpenAiTeam,
  id: string,
  q: { after?: string | null; limit: number },
) {
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: stripPrefix(id, JOB_PREFIX), teamId: team.id },
    select: { id: true },
  });
  if (!job) throw noSuchJob(id);
  const where: Prisma.JobEventWhereInput = { jobId: job.id };
  if (q.after) {
    const c = await prisma.jobEvent.findFirst({
      where: { id: stripPrefix(q.after, EVENT_PREFIX), jobId: job.id },
      select: { id: true, createdAt: true },
    });
    if (!c) throw invalidRequest(`after: ${q.after} is not an event of ${id}`, "after");
    where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
  }
  const rows = await prisma.jobEvent.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    select: { id: true, level: true, kind: true, message: true, createdAt: true },
  });
  const data = rows.slice(0, q.limit).map((e) => {
    let message = e.message;
    let data: Record<string, unknown> = {};
    if (e.kind === "state") {
      const { state, reason } = parseStateEventMessage(e.message);
      if (state) {
        message = reason ? `${STATE_WORDS[state]}: ${reason}` : STATE_WORDS[state]!;
        data = { state, reason };
      }
    }
    return {
      id: eventId(e.id),
      object: "fine_tuning.job.event" as const,
      created_at: unix(e.createdAt),
      level: LEVEL[e.level],
      message,
      type: "message" as const,
      data,
    };
  });
  return { object: "list" as const, data, has_more: rows.length > q.limit };
}
