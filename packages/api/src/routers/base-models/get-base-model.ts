import { getBaseModel } from "../../base-models/base-models";
import { teamProcedure } from "../../trpc";
import { baseModelOutput, getBaseModelInput, getBaseModelMeta } from "./base-models.types";

export const getBaseModelRoute = teamProcedure
  .meta(getBaseModelMeta)
  .input(getBaseModelInput)
  .output(baseModelOutput)
  .query(({ ctx, input }) => getBaseModel(ctx.prisma, ctx.team.id, input.id));
