import { getMergeStatus, requestMerge } from "../../jobs/merge-job-weights";
import { teamProcedure, teamWriteProcedure } from "../../trpc";
import {
  getJobMergeInput,
  getJobMergeMeta,
  getJobMergeOutput,
  mergeJobInput,
  mergeJobMeta,
  mergeJobOutput,
} from "./merge-job.types";

export const mergeJobRoute = teamWriteProcedure
  .meta(mergeJobMeta)
  .input(mergeJobInput)
  .output(mergeJobOutput)
  .mutation(({ ctx, input }) => requestMerge(ctx.deps, ctx.team.id, input.id));

export const getJobMergeRoute = teamProcedure
  .meta(getJobMergeMeta)
  .input(getJobMergeInput)
  .output(getJobMergeOutput)
  .query(({ ctx, input }) => getMergeStatus(ctx.deps, ctx.team.id, input.id));
