import { createApiKey } from "../../api-keys/api-keys";
import { teamWriteProcedure } from "../../trpc";
import { createApiKeyInput, createApiKeyMeta, createApiKeyOutput } from "./api-keys.types";

export const createApiKeyRoute = teamWriteProcedure
  .meta(createApiKeyMeta)
  .input(createApiKeyInput)
  .output(createApiKeyOutput)
  .mutation(({ ctx, input }) =>
    createApiKey(
      ctx.prisma,
      { teamId: ctx.team.id, userId: ctx.caller.userId, role: ctx.team.role, isAdmin: ctx.caller.isAdmin },
      input,
    ),
  );
