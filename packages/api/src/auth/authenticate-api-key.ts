import type { PrismaClient, Role } from "@whetstone/db";
import { API_KEY_RE, hashApiKey } from "../api-keys/api-key-token";
import type { Caller } from "../trpc";

/** `lastUsedAt` is written at most this often per key, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const RANK: Record<Role, number> = { viewer: 0, member: 1, owner: 2 };

/**
 * The caller behind `Authorization: Bearer wst_…` (pass the header value or the bare key), or null.
 * Refused: malformed, unknown, revoked keys, and keys whose creator has left the team. The key acts with its own
 * role, capped by its creator's current role; `isAdmin` only if the key is an admin key and its creator is still
 * an instance admin.
 */
export async function authenticateApiKey(
  prisma: PrismaClient,
  bearerToken: string | null | undefined,
): Promise<Extract<Caller, { kind: "apiKey" }> | null> {
  if (!bearerToken) return null;
  const token = bearerToken.replace(/^Bearer\s+/i, "").trim();
  if (!API_KEY_RE.test(token)) return null;
  const key = await prisma.apiKey.findUnique({
    where: { hash: hashApiKey(token) },
    select: {
      id: true,
      teamId: true,
      role: true,
      isAdmin: true,
      revokedAt: true,
      lastUsedAt: true,
      createdBy: { select: { id: true, isAdmin: true, memberships: { select: { teamId: true, role: true } } } },
    },
  });
  if (!key || key.revokedAt) return null;
  const membership = key.createdBy.memberships.find((m) => m.teamId === key.teamId);
  if (!membership) return null;

  const now = Date.now();
  if (!key.lastUsedAt || now - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so concurrent requests write it once.
    await prisma.apiKey.updateMany({
      where: {
        id: key.id,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - LAST_USED_RESOLUTION_MS) } }],
      },
      data: { lastUsedAt: new Date(now) },
    });
  }
  const role = RANK[key.role] <= RANK[membership.role] ? key.role : membership.role;
  return {
    kind: "apiKey",
    userId: key.createdBy.id,
    isAdmin: key.isAdmin && key.createdBy.isAdmin,
    apiKeyId: key.id,
    teamId: key.teamId,
    role,
  };
}
