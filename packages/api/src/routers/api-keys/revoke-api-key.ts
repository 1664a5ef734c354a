import { revokeApiKey } from "../../api-keys/api-keys";
import { teamWriteProcedure } from "../../trpc";
import { apiKeyOutput, revokeApiKeyInput, revokeApiKeyMeta } from "./api-keys.types";

export const revokeApiKeyRoute = teamWriteProcedure
  .meta(revokeApiKeyMeta)
  .input(revokeApiKeyInput)
  .output(apiKeyOutput)
  .mutation(({ ctx, input }) =>
    revokeApiKey(
      ctx.prisma,
      ctx.redis,
      { teamId: ctx.team.id, userId: ctx.caller.userId, role: ctx.team.role, isAdmin: ctx.caller.isAdmin },
      input.id,
    ),
  );
