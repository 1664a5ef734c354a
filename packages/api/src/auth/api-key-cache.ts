/**
 * A short-lived per-process cache of API key → caller (its team included), so that a REST request does not re-read
 * the key, its creator's membership and the team on every call (BENCHMARKS.md, "API latency").
 *
 * Correct first: an entry is used only while two invalidation tokens in Redis still hold the values they had BEFORE
 * the entry was read from the database — one token for the key's team, one for the whole instance. Every change that
 * can take a key's rights away (revoking or deleting a key, removing a member or changing a role, deleting a team,
 * a user's admin flag or account) calls `invalidateApiKeys` after it commits, which replaces the token with a new
 * random value, so every process misses on its next request. The tokens are read on every use (one MGET), so there
 * is no window between processes; a Redis that restarts empty or is unreachable only costs misses:
 * - a token that is missing is set to a fresh random value and nothing is cached on that request (an entry is never
 *   tagged with "missing", so a token lost with a restarted Redis cannot make an old entry valid again);
 * - a Redis error bypasses the cache (the database is read, nothing stored).
 * A key's team never changes, so the cache may remember it from a first, uncached lookup: the team token is then read
 * before the database on the next miss.
 * What does not go through `invalidateApiKeys` (SQL typed by hand) is seen after at most `API_KEY_CACHE_TTL_MS`.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/** An entry is re-read from the database at least this often, whatever the tokens say. */
export const API_KEY_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 10_000;

export const INSTANCE_TOKEN_KEY = "whetstone:auth-token";
export const teamTokenKey = (teamId: string) => `whetstone:auth-token:team:${teamId}`;

interface Entry<T> {
  teamId: string;
  /** The cached value and the tokens [instance, team] read before it was read; null: only the team is known. */
  cached: { value: T; tokens: [string, string]; expiresAt: number } | null;
}

/** The cache of one database (one PrismaClient), keyed by the key's sha256. */
export class ApiKeyCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Bumped by a local invalidation, so a lookup in flight across it does not store what it read. */
  private generation = 0;

  /** The team a key belongs to, if this process has seen the key. */
  teamOf(hash: string): string | null {
    return this.entries.get(hash)?.teamId ?? null;
  }

  /** The cached value if it is fresh and `tokens` are still the ones it was read under; else null. */
  get(hash: string, tokens: [string, string] | null, now = Date.now()): T | null {
    const e = this.entries.get(hash);
    const c = e?.cached;
    if (!e || !c) return null;
    if (!tokens || c.expiresAt <= now || c.tokens[0] !== tokens[0] || c.tokens[1] !== tokens[1]) {
      e.cached = null;
      return null;
    }
    return c.value;
  }

  /** Where a lookup starts: pass it back to `set`, which stores nothing if the cache was invalidated meanwhile. */
  mark(): number {
    return this.generation;
  }

  set(hash: string, teamId: string, cached: { value: T; tokens: [string, string] } | null, mark: number) {
    if (mark !== this.generation) return;
    this.entries.delete(hash); // re-inserted last: the oldest entries go first when the cache is full
    this.entries.set(hash, {
      teamId,
      cached: cached ? { ...cached, expiresAt: Date.now() + API_KEY_CACHE_TTL_MS } : null,
    });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forgets the cached values (of one team, or all); the known teams stay. */
  clear(teamId?: string) {
    this.generation++;
    for (const e of this.entries.values()) if (!teamId || e.teamId === teamId) e.cached = null;
  }
}

const caches = new WeakMap<object, ApiKeyCache<unknown>>();
/** The process's cache for this database client. */
export function apiKeyCacheFor<T>(db: object): ApiKeyCache<T> {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new ApiKeyCache()));
  return c as ApiKeyCache<T>;
}

const token = () => randomBytes(12).toString("base64url");

/**
 * The current [instance, team] tokens; null when Redis cannot say (then nothing may be served from or stored in the
 * cache). Missing tokens are created (as new random values) and answered null.
 */
export async function readAuthTokens(redis: Redis, teamId: string): Promise<[string, string] | null> {
  try {
    const [a, b] = await redis.mget(INSTANCE_TOKEN_KEY, teamTokenKey(teamId));
    if (a && b) return [a, b];
    const p = redis.pipeline();
    if (!a) p.set(INSTANCE_TOKEN_KEY, token(), "NX");
    if (!b) p.set(teamTokenKey(teamId), token(), "NX");
    await p.exec();
    return null;
  } catch {
    return null;
  }
}

/**
 * Call after committing a change that can take API-key rights away: a key revoked or deleted, a member removed or
 * their role changed, a team deleted (`{ teamId }`), or anything about users (`{}`: the instance token, which every
 * key depends on). Clears this process's entries at once and gives the Redis token a new value, so every other
 * process misses on its next request. Throws if Redis cannot be written: the caller's change is committed, but the
 * caller must hear that other processes may serve the old rights for up to `API_KEY_CACHE_TTL_MS`.
 */
export async function invalidateApiKeys(db: object, redis: Redis, scope: { teamId?: string }): Promise<void> {
  apiKeyCacheFor(db).clear(scope.teamId);
  await redis.set(scope.teamId ? teamTokenKey(scope.teamId) : INSTANCE_TOKEN_KEY, token());
}
