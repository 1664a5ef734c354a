/**
 * A dependency that is down, full or saturated is the server's problem for a moment, not the request's: the API
 * answers 503 SERVICE_UNAVAILABLE naming what is unavailable, with `details.retryAfterSeconds` (sent as Retry-After),
 * never a bare 500 or a hang. The REST error writer and the tRPC error middleware pass every unexpected error through
 * `unavailableError`; anything it does not recognise stays a logged 500.
 *
 * Recognised (the error or one of its causes):
 * - PostgreSQL: no pool connection within `pool_timeout` (pg-pool's "timeout exceeded when trying to connect"), no
 *   interactive transaction within maxWait (Prisma P2028), unreachable or dropped server (P1001, P1002, P1008, P1017,
 *   P2024, a driver adapter's DatabaseNotReachable / ConnectionClosed / TooManyConnections), and the same seen by a
 *   read made through node-postgres directly (DatabaseUnavailableError of @whetstone/db's queryRows);
 * - Redis (the queue): ioredis' fail-fast errors ("Stream isn't writeable and enableOfflineQueue options is false",
 *   "Connection is closed", MaxRetriesPerRequestError, "Command timed out");
 * - blob storage: StorageError (packages/storage), a raw ENOSPC / EDQUOT.
 */
import { DatabaseUnavailableError } from "@whetstone/db";
import { StorageError } from "@whetstone/storage";
import { AppError } from "./errors";

const PRISMA_UNAVAILABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const ADAPTER_UNAVAILABLE = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "TooManyConnections",
  "SocketTimeout",
]);
const REDIS_MESSAGES = [
  "enableOfflineQueue options is false",
  "Connection is closed",
  "Reached the max retries per request limit",
  "Command timed out",
];

function* causes(err: unknown): Generator<unknown> {
  for (let e = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

const unavailable = (what: string, retryAfterSeconds: number, extra: Record<string, unknown> = {}) =>
  new AppError("SERVICE_UNAVAILABLE", what, { retryAfterSeconds, ...extra });

/** The 503 an error of a dependency deserves, or null when it is something else. */
export function unavailableError(err: unknown): AppError | null {
  for (const e of causes(err)) {
    if (e instanceof AppError) return e.code === "SERVICE_UNAVAILABLE" ? e : null;
    const x = e as { name?: string; code?: unknown; message?: unknown; meta?: { driverAdapterError?: unknown } };
    const message = typeof x.message === "string" ? x.message : "";
    if (e instanceof StorageError || x.code === "ENOSPC" || x.code === "EDQUOT") {
      const full = e instanceof StorageError ? e.insufficientSpace : true;
      return full
        ? unavailable("blob storage is full: nothing was saved; try again once space is freed", 60, {
            dependency: "storage",
            reason: "insufficient_storage",
          })
        : unavailable("blob storage is unavailable: nothing was saved; try again shortly", 10, {
            dependency: "storage",
          });
    }
    const adapterKind = (x.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined)?.cause?.kind;
    if (
      (typeof x.code === "string" && PRISMA_UNAVAILABLE.has(x.code) && x.name?.startsWith("PrismaClient")) ||
      (adapterKind && ADAPTER_UNAVAILABLE.has(adapterKind)) ||
      message.includes("timeout exceeded when trying to connect") ||
      e instanceof DatabaseUnavailableError
    ) {
      return unavailable("the database is busy or unreachable: nothing was changed; try again in a few seconds", 2, {
        dependency: "database",
      });
    }
    if (x.name === "MaxRetriesPerRequestError" || REDIS_MESSAGES.some((m) => message.includes(m))) {
      return unavailable("the queue (Redis) is unreachable; try again shortly", 5, { dependency: "redis" });
    }
  }
  return null;
}

/** The Retry-After header of an error answered 503, when it says how long to wait. */
export function retryAfterHeaders(err: AppError): Record<string, string> {
  const s = err.details.retryAfterSeconds;
  return err.code === "SERVICE_UNAVAILABLE" && typeof s === "number" ? { "retry-after": String(s) } : {};
}
