import { removeTeamMember } from "../../teams/team-members";
import { teamOwnerProcedure } from "../../trpc";
import { memberOutput, removeMemberInput, removeMemberMeta } from "./team-members.types";

export const removeMemberRoute = teamOwnerProcedure
  .meta(removeMemberMeta)
  .input(removeMemberInput)
  .output(memberOutput)
  .mutation(({ ctx, input }) =>
    removeTeamMember(ctx.prisma, ctx.redis, { teamId: ctx.team.id, userId: ctx.caller.userId }, input),
  );
