import { deleteDataset } from "../../datasets/delete-dataset";
import { teamWriteProcedure } from "../../trpc";
import { deleteDatasetInput, deleteDatasetMeta, deleteDatasetOutput } from "./datasets.types";

export const deleteDatasetRoute = teamWriteProcedure
  .meta(deleteDatasetMeta)
  .input(deleteDatasetInput)
  .output(deleteDatasetOutput)
  .mutation(({ ctx, input }) => deleteDataset(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id));
