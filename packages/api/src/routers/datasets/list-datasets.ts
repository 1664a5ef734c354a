import { listDatasets } from "../../datasets/list-datasets";
import { teamProcedure } from "../../trpc";
import { listDatasetsInput, listDatasetsMeta, listDatasetsOutput } from "./datasets.types";

export const listDatasetsRoute = teamProcedure
  .meta(listDatasetsMeta)
  .input(listDatasetsInput)
  .output(listDatasetsOutput)
  .query(({ ctx }) => listDatasets(ctx.prisma, ctx.team.id));
