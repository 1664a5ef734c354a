import { getDatasetVersion } from "../../datasets/get-dataset-version";
import { teamProcedure } from "../../trpc";
import { getDatasetVersionInput, getDatasetVersionMeta, getDatasetVersionOutput } from "./datasets.types";

export const getDatasetVersionRoute = teamProcedure
  .meta(getDatasetVersionMeta)
  .input(getDatasetVersionInput)
  .output(getDatasetVersionOutput)
  .query(({ ctx, input }) => getDatasetVersion(ctx.prisma, ctx.team.id, input.id));
