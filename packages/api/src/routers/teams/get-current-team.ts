import { getCurrentTeam } from "../../teams/team-members";
import { teamProcedure } from "../../trpc";
import { getCurrentTeamInput, getCurrentTeamMeta, getCurrentTeamOutput } from "./team-members.types";

export const getCurrentTeamRoute = teamProcedure
  .meta(getCurrentTeamMeta)
  .input(getCurrentTeamInput)
  .output(getCurrentTeamOutput)
  .query(({ ctx }) => getCurrentTeam(ctx.prisma, ctx.team.id, ctx.team.role));
