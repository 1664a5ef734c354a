import { protectedProcedure } from "../../trpc";
import { listMyTeamsInput, listMyTeamsMeta, listMyTeamsOutput } from "./list-my-teams.types";

export const listMyTeamsRoute = protectedProcedure
  .meta(listMyTeamsMeta)
  .input(listMyTeamsInput)
  .output(listMyTeamsOutput)
  .query(async ({ ctx }) => {
    if (ctx.caller.kind === "apiKey") {
      const team = await ctx.prisma.team.findUniqueOrThrow({ where: { id: ctx.caller.teamId } });
      return [{ id: team.id, slug: team.slug, name: team.name, role: ctx.caller.role }];
    }
    const memberships = await ctx.prisma.membership.findMany({
      where: { userId: ctx.caller.userId },
      include: { team: true },
      orderBy: { createdAt: "asc" },
    });
    return memberships.map((m) => ({ id: m.team.id, slug: m.team.slug, name: m.team.name, role: m.role }));
  });
