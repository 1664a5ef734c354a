import { getJobSummary } from "../../jobs/get-job-summary";
import { pauseJob } from "../../jobs/pause-job";
import { teamWriteProcedure } from "../../trpc";
import { pauseJobInput, pauseJobMeta, pauseJobOutput } from "./pause-resume.types";

export const pauseJobRoute = teamWriteProcedure
  .meta(pauseJobMeta)
  .input(pauseJobInput)
  .output(pauseJobOutput)
  .mutation(async ({ ctx, input }) => {
    await pauseJob(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id);
    return getJobSummary(ctx.prisma, ctx.team.id, input.id);
  });
