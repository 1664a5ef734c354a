import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "./generated/client";

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

/** The node-postgres pool under each client made here (queryRows reads through it). */
const pools = new WeakMap<PrismaClient, pg.Pool>();

/**
 * A client on a pool of `connection_limit` connections. A query waits up to `pool_timeout` for a free connection, and
 * so does an interactive transaction (its maxWait, unless the call sets one), then fails with an error the API answers
 * 503 with Retry-After (packages/api dependency-errors.ts) rather than a 500. The pool is made here and handed to
 * Prisma's adapter, so that queryRows shares it (one pool, one size); $disconnect ends it.
 */
export function createPrismaClient(connectionString: string): PrismaClient {
  const settings = poolSettings(connectionString);
  const pool = new pg.Pool({
    connectionString: settings.connectionString,
    max: settings.max,
    connectionTimeoutMillis: settings.timeoutMs,
  });
  // An idle connection that the server drops (a restart, a failover) is removed from the pool, which then emits
  // "error": without a listener that would end the process; the next query opens a new connection.
  pool.on("error", () => undefined);
  const client = new PrismaClient({
    adapter: new PrismaPg(pool, { disposeExternalPool: true }),
    transactionOptions: { maxWait: settings.timeoutMs },
  });
  pools.set(client, pool);
  return client;
}

/**
 * The rows of one read statement, for the few reads hot enough that Prisma's own cost matters (the polled jobs list:
 * ~0.4 ms of CPU per `$queryRaw` in its query compiler, adapter and result decoding, more than the page itself). It runs
 * on the client's own pool as a named prepared statement (named by the SQL's hash), so PostgreSQL parses and plans it
 * once per connection, and node-postgres decodes the columns itself: select only text, numbers, booleans and json,
 * not timestamps. Dates in `values` are sent as their UTC wall time, as Prisma stores DateTime (timestamp(3), UTC).
 * A client not made by createPrismaClient (or a transaction's) reads through `$queryRaw` instead.
 * Connection poolers in transaction mode need prepared-statement support for this (PgBouncer 1.21+,
 * max_prepared_statements).
 */
export async function queryRows<T>(prisma: PrismaClient, statement: Prisma.Sql): Promise<T[]> {
  const pool = pools.get(prisma);
  if (!pool) return prisma.$queryRaw<T[]>(statement);
  const name = `wst_${createHash("sha1").update(statement.text).digest("hex").slice(0, 24)}`;
  const values = statement.values.map((v) => (v instanceof Date ? v.toISOString() : v));
  try {
    const result = await pool.query({ name, text: statement.text, values });
    return result.rows as T[];
  } catch (err) {
    if (!connectionFailure(err)) throw err;
    throw new DatabaseUnavailableError(`database unavailable: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The database could not be reached, dropped the connection, refused it (too many, shutting down), or no pool
 * connection was free within `pool_timeout` — what Prisma reports as P1001/P1017/P2024 and its adapter as
 * DatabaseNotReachable/ConnectionClosed, for a read made through node-postgres directly (queryRows).
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

const SERVER_REFUSALS = new Set(["53300", "57P01", "57P02", "57P03"]); // too many connections, shutting down

function connectionFailure(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return SERVER_REFUSALS.has(err.code ?? "") || /^08/.test(err.code ?? "");
  // Anything else from the driver is about the connection, not the statement: a socket error (ECONNREFUSED…, or an
  // AggregateError of them), "Connection terminated…", the pool's "timeout exceeded when trying to connect".
  return err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError);
}

export { PrismaClient };
