import { teamProcedure } from "../../trpc";
import { getTeamUsage } from "../../usage/get-team-usage";
import { getUsageInput, getUsageMeta, getUsageOutput } from "./usage.types";

/** The caller's own team's usage (members, viewers, the team's API keys). */
export const getUsageRoute = teamProcedure
  .meta(getUsageMeta)
  .input(getUsageInput)
  .output(getUsageOutput)
  .query(({ ctx, input }) => getTeamUsage(ctx.prisma, ctx.team.id, input.month));
