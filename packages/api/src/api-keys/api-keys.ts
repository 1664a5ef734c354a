import type { Redis } from "ioredis";
import type { PrismaClient, Role } from "@whetstone/db";
import { audit } from "../audit/audit";
import { invalidateApiKeys } from "../auth/api-key-cache";
import { AppError, notFound } from "../errors";
import { generateApiKey } from "./api-key-token";

const RANK: Record<Role, number> = { viewer: 0, member: 1, owner: 2 };

export const apiKeyListSelect = {
  id: true,
  name: true,
  prefix: true,
  role: true,
  isAdmin: true,
  lastUsedAt: true,
  createdAt: true,
  revokedAt: true,
  createdBy: { select: { id: true, email: true } },
} as const;

export interface ApiKeyActor {
  teamId: string;
  userId: string;
  /** The caller's role in the team. */
  role: Role;
  /** Instance admin. */
  isAdmin: boolean;
}

/** Creates a key; the plain key is returned here and never again (only its sha256 is stored). */
export async function createApiKey(
  prisma: PrismaClient,
  actor: ApiKeyActor,
  input: { name: string; role: Role; isAdmin: boolean },
) {
  if (RANK[input.role] > RANK[actor.role]) {
    throw new AppError("FORBIDDEN", `a ${actor.role} cannot create a key with the role ${input.role}`, {
      field: "role",
    });
  }
  if (input.isAdmin && !actor.isAdmin) {
    throw new AppError("FORBIDDEN", "only an instance admin can create an admin key", { field: "isAdmin" });
  }
  const { key, prefix, hash } = generateApiKey();
  const row = await prisma.apiKey.create({
    data: {
      teamId: actor.teamId,
      createdById: actor.userId,
      name: input.name,
      prefix,
      hash,
      role: input.role,
      isAdmin: input.isAdmin,
    },
    select: apiKeyListSelect,
  });
  await audit(prisma, {
    action: "api_key.created",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "api_key",
    targetId: row.id,
    details: { name: input.name, prefix, role: input.role, isAdmin: input.isAdmin },
  });
  return { ...row, key };
}

export function listApiKeys(prisma: PrismaClient, teamId: string) {
  return prisma.apiKey.findMany({ where: { teamId }, select: apiKeyListSelect, orderBy: { createdAt: "desc" } });
}

/**
 * Revokes a key of the team. Its creator or a team owner may; revoking twice keeps the first time. The key is refused
 * from the next request on, in every process (the API-key cache is invalidated after the commit, on every call, so a
 * retry after a Redis failure completes it).
 */
export async function revokeApiKey(prisma: PrismaClient, redis: Redis, actor: ApiKeyActor, keyId: string) {
  const key = await prisma.apiKey.findFirst({
    where: { id: keyId, teamId: actor.teamId },
    select: { id: true, createdById: true, revokedAt: true, prefix: true },
  });
  if (!key) throw notFound(`API key "${keyId}"`);
  if (key.createdById !== actor.userId && actor.role !== "owner") {
    throw new AppError("FORBIDDEN", "only the key's creator or a team owner can revoke it");
  }
  if (!key.revokedAt) {
    await prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    await audit(prisma, {
      action: "api_key.revoked",
      actorUserId: actor.userId,
      teamId: actor.teamId,
      targetType: "api_key",
      targetId: key.id,
      details: { prefix: key.prefix },
    });
  }
  await invalidateApiKeys(prisma, redis, { teamId: actor.teamId });
  return prisma.apiKey.findUniqueOrThrow({ where: { id: key.id }, select: apiKeyListSelect });
}
