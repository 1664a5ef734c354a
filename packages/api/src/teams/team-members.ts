import type { Redis } from "ioredis";
import type { PrismaClient, Role } from "@whetstone/db";
import { audit } from "../audit/audit";
import { invalidateApiKeys } from "../auth/api-key-cache";
import { AppError, notFound } from "../errors";
import { normalizeEmail } from "../auth/sign-up";

const memberSelect = { role: true, createdAt: true, user: { select: { id: true, email: true, name: true } } } as const;
type MemberRow = { role: Role; createdAt: Date; user: { id: string; email: string; name: string | null } };
const toMember = (m: MemberRow) => ({
  userId: m.user.id,
  email: m.user.email,
  name: m.user.name,
  role: m.role,
  joinedAt: m.createdAt,
});

export async function getCurrentTeam(prisma: PrismaClient, teamId: string, role: Role) {
  const team = await prisma.team.findUniqueOrThrow({
    where: { id: teamId },
    select: { id: true, slug: true, name: true, createdAt: true, _count: { select: { memberships: true } } },
  });
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    createdAt: team.createdAt,
    role,
    memberCount: team._count.memberships,
  };
}

export async function listTeamMembers(prisma: PrismaClient, teamId: string) {
  const rows = await prisma.membership.findMany({
    where: { teamId },
    select: memberSelect,
    orderBy: { createdAt: "asc" },
  });
  return rows.map(toMember);
}

export interface MemberActor {
  teamId: string;
  userId: string;
}

export async function addTeamMember(prisma: PrismaClient, actor: MemberActor, input: { email: string; role: Role }) {
  const email = normalizeEmail(input.email);
  const user = await prisma.user.findUnique({ where: { email }, select: { id: true } });
  if (!user) {
    throw new AppError("NOT_FOUND", `no account uses ${email}; ask them to sign up first`, { field: "email" });
  }
  const existing = await prisma.membership.findUnique({
    where: { userId_teamId: { userId: user.id, teamId: actor.teamId } },
  });
  if (existing)
    throw new AppError("CONFLICT", `${email} is already a ${existing.role} of this team`, { field: "email" });
  const m = await prisma.membership.create({
    data: { userId: user.id, teamId: actor.teamId, role: input.role },
    select: memberSelect,
  });
  await audit(prisma, {
    action: "member.added",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "user",
    targetId: user.id,
    details: { role: input.role },
  });
  return toMember(m);
}

/**
 * Changes a role or removes a member; a team always keeps at least one owner. Serialized per team. The member's API
 * keys act with the new role (or are refused) from the next request on: the API-key cache is invalidated after the
 * commit.
 */
async function changeMembership(
  prisma: PrismaClient,
  redis: Redis,
  actor: MemberActor,
  userId: string,
  next: Role | null,
) {
  const member = await prisma.$transaction(async (tx) => {
    // Lock the team's owner rows so two owners demoting each other at once cannot leave none.
    await tx.$executeRaw`SELECT 1 FROM "Membership" WHERE "teamId" = ${actor.teamId} AND role = 'owner' FOR UPDATE`;
    const m = await tx.membership.findUnique({
      where: { userId_teamId: { userId, teamId: actor.teamId } },
      select: memberSelect,
    });
    if (!m) throw notFound(`member "${userId}"`);
    if (m.role === "owner" && next !== "owner") {
      const owners = await tx.membership.count({ where: { teamId: actor.teamId, role: "owner" } });
      if (owners <= 1) {
        throw new AppError(
          "PRECONDITION_FAILED",
          `${m.user.email} is the last owner of this team; make someone else owner first`,
          { field: "userId" },
        );
      }
    }
    if (next === null) {
      await tx.membership.delete({ where: { userId_teamId: { userId, teamId: actor.teamId } } });
      await audit(tx, {
        action: "member.removed",
        actorUserId: actor.userId,
        teamId: actor.teamId,
        targetType: "user",
        targetId: userId,
        details: { role: m.role },
      });
      return toMember(m);
    }
    const updated = await tx.membership.update({
      where: { userId_teamId: { userId, teamId: actor.teamId } },
      data: { role: next },
      select: memberSelect,
    });
    if (m.role !== next) {
      await audit(tx, {
        action: "member.role_changed",
        actorUserId: actor.userId,
        teamId: actor.teamId,
        targetType: "user",
        targetId: userId,
        details: { from: m.role, to: next },
      });
    }
    return toMember(updated);
  });
  await invalidateApiKeys(prisma, redis, { teamId: actor.teamId });
  return member;
}

export const changeMemberRole = (
  prisma: PrismaClient,
  redis: Redis,
  actor: MemberActor,
  input: { userId: string; role: Role },
) => changeMembership(prisma, redis, actor, input.userId, input.role);

export const removeTeamMember = (prisma: PrismaClient, redis: Redis, actor: MemberActor, input: { userId: string }) =>
  changeMembership(prisma, redis, actor, input.userId, null);
