import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";
import { jobSummarySelect, toJobSummary } from "./job-summary";

export async function getJobSummary(prisma: PrismaClient, teamId: string, jobId: string) {
  const job = await prisma.fineTuneJob.findFirst({ where: { id: jobId, teamId }, select: jobSummarySelect });
  if (!job) throw notFound(`job "${jobId}"`);
  return toJobSummary(job);
}
