import { getJobReadiness } from "../../datasets/readiness/get-job-readiness";
import { teamProcedure } from "../../trpc";
import { getJobReadinessInput, getJobReadinessMeta, getJobReadinessOutput } from "./datasets.types";

export const getJobReadinessRoute = teamProcedure
  .meta(getJobReadinessMeta)
  .input(getJobReadinessInput)
  .output(getJobReadinessOutput)
  .query(async ({ ctx, input }) => {
    const { datasetVersionIds, ...rest } = input;
    const r = await getJobReadiness(ctx.deps, ctx.team.id, {
      ...rest,
      datasetVersionIds: datasetVersionIds
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    });
    return { ...r, checks: r.checks as unknown as Record<string, unknown>[] };
  });
