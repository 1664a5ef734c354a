/**
 * Who is calling: a signed-in user (Auth.js session cookie) or an API key (`Authorization: Bearer wst_…`),
 * and in which team. A team or job the caller cannot see is treated as absent (404), never as forbidden.
 */
import { authenticateApiKey, resolveTeamScope, type ApiDeps, type Caller, type TeamScope } from "@whetstone/api";

export type { TeamScope } from "@whetstone/api";

/** Reads the signed-in user's id; injected so tests can stand in for the Auth.js cookie. */
export type SessionReader = () => Promise<string | null>;

export function bearerToken(req: Request): string | null {
  const h = req.headers.get("authorization");
  if (!h) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? null;
}

export async function callerFromApiKey(req: Request, deps: ApiDeps): Promise<Caller | null> {
  const token = bearerToken(req);
  if (!token) return null;
  return authenticateApiKey(deps.prisma, token, deps.redis);
}

export async function callerFromSession(deps: ApiDeps, readSession: SessionReader): Promise<Caller | null> {
  const userId = await readSession();
  if (!userId) return null;
  // Re-read the user: a deleted user's cookie gets nothing, and admin rights are current.
  const user = await deps.prisma.user.findUnique({ where: { id: userId }, select: { id: true, isAdmin: true } });
  return user ? { kind: "session", userId: user.id, isAdmin: user.isAdmin } : null;
}

/** API key if one is sent (a bad key is not silently replaced by the cookie), else the session. */
export async function resolveCaller(req: Request, deps: ApiDeps, readSession: SessionReader): Promise<Caller | null> {
  if (bearerToken(req)) return callerFromApiKey(req, deps);
  return callerFromSession(deps, readSession);
}

/** The caller's team: an API key's own team, or the session user's membership of `slug` (as the tRPC procedures). */
export async function resolveTeam(deps: ApiDeps, caller: Caller, slug: string | null): Promise<TeamScope | null> {
  return resolveTeamScope(deps.prisma, caller, slug);
}

/** The job if it belongs to a team the caller may read; null otherwise (answered 404). */
export async function findJobInScope(deps: ApiDeps, caller: Caller, jobId: string) {
  const job = await deps.prisma.fineTuneJob.findUnique({ where: { id: jobId }, select: { id: true, teamId: true } });
  if (!job) return null;
  if (caller.kind === "apiKey") return job.teamId === caller.teamId ? job : null;
  const member = await deps.prisma.membership.findUnique({
    where: { userId_teamId: { userId: caller.userId, teamId: job.teamId } },
    select: { role: true },
  });
  return member ? job : null;
}
