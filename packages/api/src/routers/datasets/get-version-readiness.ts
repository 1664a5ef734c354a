import { getVersionReadiness } from "../../datasets/readiness/get-version-readiness";
import { teamProcedure } from "../../trpc";
import { getVersionReadinessInput, getVersionReadinessMeta, getVersionReadinessOutput } from "./datasets.types";

export const getVersionReadinessRoute = teamProcedure
  .meta(getVersionReadinessMeta)
  .input(getVersionReadinessInput)
  .output(getVersionReadinessOutput)
  .query(
    ({ ctx, input }) =>
      getVersionReadiness(ctx.deps, ctx.team.id, input.id, {
        nearDuplicateThreshold: input.nearDuplicateThreshold,
        maxExamples: input.maxExamples,
      }) as unknown as Promise<Record<string, unknown>>,
  );
