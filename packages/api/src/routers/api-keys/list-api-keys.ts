import { listApiKeys } from "../../api-keys/api-keys";
import { teamProcedure } from "../../trpc";
import { listApiKeysInput, listApiKeysMeta, listApiKeysOutput } from "./api-keys.types";

export const listApiKeysRoute = teamProcedure
  .meta(listApiKeysMeta)
  .input(listApiKeysInput)
  .output(listApiKeysOutput)
  .query(({ ctx }) => listApiKeys(ctx.prisma, ctx.team.id));
