import { listJobs } from "../../jobs/list-jobs";
import { teamProcedure } from "../../trpc";
import { listJobsInput, listJobsMeta, listJobsOutput } from "./job-reads.types";

export const listJobsRoute = teamProcedure
  .meta(listJobsMeta)
  .input(listJobsInput)
  .output(listJobsOutput)
  .query(({ ctx, input }) => listJobs(ctx.prisma, ctx.team.id, input));
