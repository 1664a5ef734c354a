import type { PrismaClient, Role } from "@whetstone/db";
import type { Caller } from "../trpc";

/** The team a request acts in, with the caller's role there. */
export interface TeamScope {
  id: string;
  slug: string;
  name: string;
  role: Role;
}

/**
 * The caller's team: an API key's own team (a key belongs to one team; `teamSlug` is ignored), or the signed-in
 * user's membership of the team `teamSlug`. Null when there is none, or no slug was given for a session: callers
 * answer NOT_FOUND, so a team the caller is not a member of does not leak. The tRPC team procedures and the web
 * app's plain routes (uploads, CSV export) both resolve the team here.
 */
export async function resolveTeamScope(
  prisma: PrismaClient,
  caller: Caller,
  teamSlug: string | null,
): Promise<TeamScope | null> {
  if (caller.kind === "apiKey") {
    if (caller.team) return { id: caller.teamId, slug: caller.team.slug, name: caller.team.name, role: caller.role };
    const t = await prisma.team.findUnique({ where: { id: caller.teamId } });
    return t ? { id: t.id, slug: t.slug, name: t.name, role: caller.role } : null;
  }
  if (!teamSlug) return null;
  const m = await prisma.membership.findFirst({
    where: { userId: caller.userId, team: { slug: teamSlug } },
    include: { team: true },
  });
  return m ? { id: m.team.id, slug: m.team.slug, name: m.team.name, role: m.role } : null;
}
