import { protectedProcedure } from "../../trpc";
import { createTeam } from "../../teams/create-team";
import { createTeamInput, createTeamMeta, teamOutput } from "./create-team.types";

export const createTeamRoute = protectedProcedure
  .meta(createTeamMeta)
  .input(createTeamInput)
  .output(teamOutput)
  .mutation(({ ctx, input }) => createTeam(ctx.prisma, ctx.caller.userId, input.name));
