import { registerBaseModel } from "../../base-models/base-models";
import { teamWriteProcedure } from "../../trpc";
import { baseModelOutput, registerBaseModelInput, registerBaseModelMeta } from "./base-models.types";

export const registerBaseModelRoute = teamWriteProcedure
  .meta(registerBaseModelMeta)
  .input(registerBaseModelInput)
  .output(baseModelOutput)
  .mutation(({ ctx, input }) =>
    registerBaseModel(ctx.prisma, { teamId: ctx.team.id, userId: ctx.caller.userId }, input),
  );
