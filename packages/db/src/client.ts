import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";

/** Connections per process when DATABASE_URL does not say (`?connection_limit=`). */
export const DEFAULT_CONNECTION_LIMIT = 20;
/** Seconds a query or transaction waits for a free connection before failing (`?pool_timeout=`). */
export const DEFAULT_POOL_TIMEOUT_S = 10;

export interface PoolSettings {
  /** The URL without the pool parameters (node-postgres would pass them on to the server). */
  connectionString: string;
  max: number;
  timeoutMs: number;
}

/**
 * The pool settings of a DATABASE_URL, read from Prisma's documented parameters: `connection_limit` (connections
 * per process; default 20) and `pool_timeout` (seconds to wait for a free one; default 10). Size them so that every
 * process's limit together stays below the server's `max_connections` (100 by default: web + worker + headroom).
 */
export function poolSettings(url: string): PoolSettings {
  const u = new URL(url);
  const read = (name: string, def: number) => {
    const raw = u.searchParams.get(name);
    u.searchParams.delete(name);
    if (raw === null) return def;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`DATABASE_URL: ${name} must be a positive number, got "${raw}"`);
    return n;
  };
  const max = Math.floor(read("connection_limit", DEFAULT_CONNECTION_LIMIT));
  const timeoutMs = Math.round(read("pool_timeout", DEFAULT_POOL_TIMEOUT_S) * 1000);
  return { connectionString: u.toString(), max, timeoutMs };
}

/**
 * A client on a pool of `connection_limit` connections. A query waits up to `pool_timeout` for a free connection, and
 * so does an interactive transaction (its maxWait, unless the call sets one), then fails with an error the API answers
 * 503 with Retry-After (packages/api dependency-errors.ts) rather than a 500.
 */
export function createPrismaClient(connectionString: string): PrismaClient {
  const pool = poolSettings(connectionString);
  return new PrismaClient({
    adapter: new PrismaPg({
      connectionString: pool.connectionString,
      max: pool.max,
      connectionTimeoutMillis: pool.timeoutMs,
    }),
    transactionOptions: { maxWait: pool.timeoutMs },
  });
}

export { PrismaClient };
