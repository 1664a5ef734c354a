import { getDataset } from "../../datasets/get-dataset";
import { teamProcedure } from "../../trpc";
import { getDatasetInput, getDatasetMeta, getDatasetOutput } from "./datasets.types";

export const getDatasetRoute = teamProcedure
  .meta(getDatasetMeta)
  .input(getDatasetInput)
  .output(getDatasetOutput)
  .query(({ ctx, input }) => getDataset(ctx.prisma, ctx.team.id, input.id));
