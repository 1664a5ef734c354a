import { listTeamMembers } from "../../teams/team-members";
import { teamProcedure } from "../../trpc";
import { listMembersInput, listMembersMeta, listMembersOutput } from "./team-members.types";

export const listMembersRoute = teamProcedure
  .meta(listMembersMeta)
  .input(listMembersInput)
  .output(listMembersOutput)
  .query(({ ctx }) => listTeamMembers(ctx.prisma, ctx.team.id));
