import { deleteDataset } from "../../datasets/datasets";
import { teamWriteProcedure } from "../../trpc";
import { deleteDatasetInput, deleteDatasetMeta, deleteDatasetOutput } from "./datasets.types";

export const deleteDatasetRoute = teamWriteProcedure
  .meta(deleteDatasetMeta)
  .input(deleteDatasetInput)
  .output(deleteDatasetOutput)
  .mutation(({ ctx, input }) => deleteDataset(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id));
