import { createJob } from "../../jobs/create-job";
import { getJobSummary } from "../../jobs/get-job-summary";
import { teamWriteProcedure } from "../../trpc";
import { createJobInput, createJobMeta, createJobOutput } from "./create-job.types";

export const createJobRoute = teamWriteProcedure
  .meta(createJobMeta)
  .input(createJobInput)
  .output(createJobOutput)
  .mutation(async ({ ctx, input }) => {
    const job = await createJob(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input);
    return getJobSummary(ctx.prisma, ctx.team.id, job.id);
  });
