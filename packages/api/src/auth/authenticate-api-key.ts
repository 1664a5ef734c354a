import type { Redis } from "ioredis";
import type { PrismaClient, Role } from "@whetstone/db";
import { API_KEY_RE, hashApiKey } from "../api-keys/api-key-token";
import type { Caller } from "../trpc";
import { apiKeyCacheFor, readAuthTokens } from "./api-key-cache";

/** `lastUsedAt` is written at most this often per key, not on every request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const RANK: Record<Role, number> = { viewer: 0, member: 1, owner: 2 };

export type ApiKeyCaller = Extract<Caller, { kind: "apiKey" }>;

interface KeyRow {
  id: string;
  teamId: string;
  keyRole: Role;
  keyIsAdmin: boolean;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  userId: string;
  userIsAdmin: boolean;
  memberRole: Role | null;
  teamSlug: string;
  teamName: string;
}

interface Resolved {
  caller: ApiKeyCaller | null;
  /** Only for a valid key: when its lastUsedAt was last written (ms). */
  lastUsedAt: number;
}

/** The key, its creator, the creator's membership of the key's team and the team: one statement. */
async function readKey(prisma: PrismaClient, hash: string): Promise<{ teamId: string; resolved: Resolved } | null> {
  const [row] = await prisma.$queryRaw<KeyRow[]>`
    SELECT k.id, k."teamId", k.role::text AS "keyRole", k."isAdmin" AS "keyIsAdmin", k."revokedAt", k."lastUsedAt",
           u.id AS "userId", u."isAdmin" AS "userIsAdmin", m.role::text AS "memberRole",
           t.slug AS "teamSlug", t.name AS "teamName"
    FROM "ApiKey" k
    JOIN "User" u ON u.id = k."createdById"
    JOIN "Team" t ON t.id = k."teamId"
    LEFT JOIN "Membership" m ON m."userId" = k."createdById" AND m."teamId" = k."teamId"
    WHERE k.hash = ${hash}`;
  if (!row) return null;
  if (row.revokedAt || !row.memberRole) return { teamId: row.teamId, resolved: { caller: null, lastUsedAt: 0 } };
  return {
    teamId: row.teamId,
    resolved: {
      lastUsedAt: row.lastUsedAt?.getTime() ?? 0,
      caller: {
        kind: "apiKey",
        userId: row.userId,
        isAdmin: row.keyIsAdmin && row.userIsAdmin,
        apiKeyId: row.id,
        teamId: row.teamId,
        role: RANK[row.keyRole] <= RANK[row.memberRole] ? row.keyRole : row.memberRole,
        team: { slug: row.teamSlug, name: row.teamName },
      },
    },
  };
}

/**
 * The caller behind `Authorization: Bearer wst_…` (pass the header value or the bare key), or null.
 * Refused: malformed, unknown, revoked keys, and keys whose creator has left the team. The key acts with its own
 * role, capped by its creator's current role; `isAdmin` only if the key is an admin key and its creator is still
 * an instance admin. The caller carries its team's slug and name, so the team scope needs no second lookup.
 *
 * With `redis`, the answer comes from this process's short-lived cache while the key's invalidation tokens are
 * unchanged (./api-key-cache.ts: revoking a key, removing a member… invalidate it at once, in every process);
 * without, the database is read every time.
 */
export async function authenticateApiKey(
  prisma: PrismaClient,
  bearerToken: string | null | undefined,
  redis?: Redis | null,
): Promise<ApiKeyCaller | null> {
  if (!bearerToken) return null;
  const token = bearerToken.replace(/^Bearer\s+/i, "").trim();
  if (!API_KEY_RE.test(token)) return null;
  const hash = hashApiKey(token);

  let resolved: Resolved | null = null;
  if (redis) {
    const cache = apiKeyCacheFor<Resolved>(prisma);
    const knownTeam = cache.teamOf(hash);
    // The tokens are read BEFORE the database, so a change committed after this read is never cached under them.
    const tokens = knownTeam ? await readAuthTokens(redis, knownTeam) : null;
    resolved = knownTeam ? cache.get(hash, tokens) : null;
    if (!resolved) {
      const mark = cache.mark();
      const read = await readKey(prisma, hash);
      if (!read) return null;
      resolved = read.resolved;
      // Only a valid key is cached; a refused one is refused again from the database.
      const value = resolved.caller && tokens && knownTeam === read.teamId ? { value: resolved, tokens } : null;
      cache.set(hash, read.teamId, value, mark);
    }
  } else {
    resolved = (await readKey(prisma, hash))?.resolved ?? null;
  }
  const caller = resolved?.caller;
  if (!resolved || !caller) return null;

  const now = Date.now();
  if (now - resolved.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    resolved.lastUsedAt = now; // in the cached entry too: written once a minute per process, not per request
    // Conditional, so concurrent requests (and processes) write it once.
    await prisma.apiKey.updateMany({
      where: {
        id: caller.apiKeyId,
        OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now - LAST_USED_RESOLUTION_MS) } }],
      },
      data: { lastUsedAt: new Date(now) },
    });
  }
  return { ...caller, team: { ...caller.team! } };
}
