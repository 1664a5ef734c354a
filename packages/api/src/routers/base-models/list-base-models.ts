import { listBaseModels } from "../../base-models/base-models";
import { teamProcedure } from "../../trpc";
import { listBaseModelsInput, listBaseModelsMeta, listBaseModelsOutput } from "./base-models.types";

export const listBaseModelsRoute = teamProcedure
  .meta(listBaseModelsMeta)
  .input(listBaseModelsInput)
  .output(listBaseModelsOutput)
  .query(({ ctx }) => listBaseModels(ctx.prisma, ctx.team.id));
