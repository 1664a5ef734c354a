/** The audit log for the admin console: filter by action, team and date range, newest first, cursor pages. */
import type { Prisma } from "@whetstone/db";
import type { ApiDeps } from "../trpc";

export interface AuditLogQuery {
  action?: string;
  teamId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  cursor?: string;
}

export async function listAuditLog(prisma: ApiDeps["prisma"], q: AuditLogQuery) {
  const where: Prisma.AuditLogWhereInput = {
    ...(q.action
      ? {
          action:
            q.action.endsWith(".") || q.action.endsWith("*") ? { startsWith: q.action.replace(/\*$/, "") } : q.action,
        }
      : {}),
    ...(q.teamId ? { teamId: q.teamId } : {}),
    ...(q.from || q.to ? { createdAt: { ...(q.from ? { gte: q.from } : {}), ...(q.to ? { lt: q.to } : {}) } } : {}),
  };
  const rows = await prisma.auditLog.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
  });
  const page = rows.slice(0, q.limit);
  const userIds = [...new Set(page.map((r) => r.actorUserId).filter((id): id is string => !!id))];
  const teamIds = [...new Set(page.map((r) => r.teamId).filter((id): id is string => !!id))];
  const [users, teams] = await Promise.all([
    prisma.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true } }),
    prisma.team.findMany({ where: { id: { in: teamIds } }, select: { id: true, slug: true, name: true } }),
  ]);
  const email = new Map(users.map((u) => [u.id, u.email]));
  const team = new Map(teams.map((t) => [t.id, t]));
  return {
    items: page.map((r) => ({
      id: r.id,
      createdAt: r.createdAt,
      action: r.action,
      actorUserId: r.actorUserId,
      actorEmail: r.actorUserId ? (email.get(r.actorUserId) ?? null) : null,
      teamId: r.teamId,
      teamSlug: r.teamId ? (team.get(r.teamId)?.slug ?? null) : null,
      teamName: r.teamId ? (team.get(r.teamId)?.name ?? null) : null,
      targetType: r.targetType,
      targetId: r.targetId,
      details: (r.details ?? null) as Record<string, unknown> | unknown[] | string | number | boolean | null,
    })),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
  };
}
