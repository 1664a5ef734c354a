import type { JobState } from "@whetstone/core";
import type { Prisma, PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import { jobSummarySelect, toJobSummary } from "./job-summary";

export interface ListJobsInput {
  limit: number;
  /** Id of the last job of the previous page. */
  cursor?: string | null;
  state?: JobState | null;
}

/** Newest first, keyset-paginated on (createdAt, id) so a page costs the same deep in the list. */
export async function listJobs(prisma: PrismaClient, teamId: string, input: ListJobsInput) {
  const where: Prisma.FineTuneJobWhereInput = { teamId };
  if (input.state) where.state = input.state;
  if (input.cursor) {
    const c = await prisma.fineTuneJob.findFirst({ where: { id: input.cursor, teamId }, select: { id: true, createdAt: true } });
    if (!c) throw new AppError("BAD_REQUEST", `cursor "${input.cursor}" is not a job of this team`, { field: "cursor" });
    where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
  }
  const rows = await prisma.fineTuneJob.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    select: jobSummarySelect,
  });
  const page = rows.slice(0, input.limit);
  return {
    items: page.map(toJobSummary),
    nextCursor: rows.length > input.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
