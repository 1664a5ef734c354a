import { listJobArtifacts } from "../../jobs/list-job-artifacts";
import { teamProcedure } from "../../trpc";
import { listJobArtifactsInput, listJobArtifactsMeta, listJobArtifactsOutput } from "./job-reads.types";

export const listJobArtifactsRoute = teamProcedure
  .meta(listJobArtifactsMeta)
  .input(listJobArtifactsInput)
  .output(listJobArtifactsOutput)
  .query(({ ctx, input }) => listJobArtifacts(ctx.prisma, ctx.team.id, input.id));
