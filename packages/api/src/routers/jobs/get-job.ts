import { getJob } from "../../jobs/get-job";
import { teamProcedure } from "../../trpc";
import { getJobInput, getJobMeta, getJobOutput } from "./job-reads.types";

export const getJobRoute = teamProcedure
  .meta(getJobMeta)
  .input(getJobInput)
  .output(getJobOutput)
  .query(({ ctx, input }) => getJob(ctx.prisma, ctx.team.id, input.id));
