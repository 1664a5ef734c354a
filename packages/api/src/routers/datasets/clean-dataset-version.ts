import { toVersionSummary } from "../../datasets/dataset-version-summary";
import { cleanDatasetVersion } from "../../datasets/readiness/clean-dataset-version";
import { teamWriteProcedure } from "../../trpc";
import { cleanDatasetVersionInput, cleanDatasetVersionMeta, cleanDatasetVersionOutput } from "./datasets.types";

export const cleanDatasetVersionRoute = teamWriteProcedure
  .meta(cleanDatasetVersionMeta)
  .input(cleanDatasetVersionInput)
  .output(cleanDatasetVersionOutput)
  .mutation(async ({ ctx, input }) => {
    const v = await cleanDatasetVersion(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id, {
      nearDuplicateThreshold: input.nearDuplicateThreshold,
    });
    return {
      ...toVersionSummary(v),
      dataset: { id: v.dataset.id, name: v.dataset.name },
    };
  });
