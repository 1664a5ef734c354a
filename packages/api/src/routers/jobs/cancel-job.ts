import { cancelJob } from "../../jobs/cancel-job";
import { getJobSummary } from "../../jobs/get-job-summary";
import { teamWriteProcedure } from "../../trpc";
import { cancelJobInput, cancelJobMeta, cancelJobOutput } from "./job-reads.types";

export const cancelJobRoute = teamWriteProcedure
  .meta(cancelJobMeta)
  .input(cancelJobInput)
  .output(cancelJobOutput)
  .mutation(async ({ ctx, input }) => {
    await cancelJob(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id);
    return getJobSummary(ctx.prisma, ctx.team.id, input.id);
  });
