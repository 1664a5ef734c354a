import { getJobSummary } from "../../jobs/get-job-summary";
import { resumeJob } from "../../jobs/resume-job";
import { teamWriteProcedure } from "../../trpc";
import { resumeJobInput, resumeJobMeta, resumeJobOutput } from "./pause-resume.types";

export const resumeJobRoute = teamWriteProcedure
  .meta(resumeJobMeta)
  .input(resumeJobInput)
  .output(resumeJobOutput)
  .mutation(async ({ ctx, input }) => {
    await resumeJob(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id);
    return getJobSummary(ctx.prisma, ctx.team.id, input.id);
  });
