import type { Prisma, PrismaClient } from "@whetstone/db";
import { AppError, notFound } from "../errors";

export interface ListJobEventsInput {
  id: string;
  /** Id of the last event already seen; the answer holds the events after it (oldest first). */
  after?: string | null;
  limit: number;
  kind?: string | null;
}

/** The job's log, oldest first, for paging and live tailing: poll with `after` = the returned `cursor`. */
export async function listJobEvents(prisma: PrismaClient, teamId: string, input: ListJobEventsInput) {
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: input.id, teamId },
    select: { id: true, state: true },
  });
  if (!job) throw notFound(`job "${input.id}"`);
  const where: Prisma.JobEventWhereInput = { jobId: job.id };
  if (input.kind) where.kind = input.kind;
  if (input.after) {
    const c = await prisma.jobEvent.findFirst({
      where: { id: input.after, jobId: job.id },
      select: { id: true, createdAt: true },
    });
    if (!c)
      throw new AppError("BAD_REQUEST", `cursor "${input.after}" is not an event of this job`, { field: "after" });
    where.OR = [{ createdAt: { gt: c.createdAt } }, { createdAt: c.createdAt, id: { gt: c.id } }];
  }
  const rows = await prisma.jobEvent.findMany({
    where,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: input.limit + 1,
    select: { id: true, level: true, kind: true, message: true, createdAt: true },
  });
  const items = rows.slice(0, input.limit);
  return {
    items,
    /** Pass as `after` to get what comes next; unchanged when nothing new arrived. */
    cursor: items[items.length - 1]?.id ?? input.after ?? null,
    hasMore: rows.length > input.limit,
    jobState: job.state,
  };
}
