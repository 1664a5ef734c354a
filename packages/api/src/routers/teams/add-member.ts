import { addTeamMember } from "../../teams/team-members";
import { teamOwnerProcedure } from "../../trpc";
import { addMemberInput, addMemberMeta, memberOutput } from "./team-members.types";

export const addMemberRoute = teamOwnerProcedure
  .meta(addMemberMeta)
  .input(addMemberInput)
  .output(memberOutput)
  .mutation(({ ctx, input }) => addTeamMember(ctx.prisma, { teamId: ctx.team.id, userId: ctx.caller.userId }, input));
