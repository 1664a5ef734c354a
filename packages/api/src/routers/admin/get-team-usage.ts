import { adminProcedure } from "../../trpc";
import { getTeamUsage } from "../../usage/get-team-usage";
import { getTeamUsageInput, getTeamUsageMeta, getTeamUsageOutput } from "./admin.types";

export const getTeamUsageRoute = adminProcedure
  .meta(getTeamUsageMeta)
  .input(getTeamUsageInput)
  .output(getTeamUsageOutput)
  .query(({ ctx, input }) => getTeamUsage(ctx.prisma, input.teamId, input.month));
