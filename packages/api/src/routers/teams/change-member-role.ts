import { changeMemberRole } from "../../teams/team-members";
import { teamOwnerProcedure } from "../../trpc";
import { changeMemberRoleInput, changeMemberRoleMeta, memberOutput } from "./team-members.types";

export const changeMemberRoleRoute = teamOwnerProcedure
  .meta(changeMemberRoleMeta)
  .input(changeMemberRoleInput)
  .output(memberOutput)
  .mutation(({ ctx, input }) =>
    changeMemberRole(ctx.prisma, ctx.redis, { teamId: ctx.team.id, userId: ctx.caller.userId }, input),
  );
