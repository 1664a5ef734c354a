/**
 * JSON error responses of the hand-written routes, in the API's one shape {error: {code, message, details}}: thin
 * names over `restError` / `restErrorFrom` (packages/api/src/rest/errors.ts), which every error path uses.
 */
import { restError, restErrorFrom, type RestErrorBody } from "@whetstone/api";

export type ErrorBody = RestErrorBody;

export function jsonError(
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Response {
  return restError(code, message, details, { status, headers });
}

export const notFoundResponse = (what = "not found") => jsonError(404, "NOT_FOUND", what);
export const unauthorizedResponse = (message = "sign in or send an API key") =>
  jsonError(401, "UNAUTHORIZED", message, {});

/** Maps an AppError to its status; anything else is logged and answered 500 without internals. */
export function errorResponse(err: unknown): Response {
  return restErrorFrom(err, (msg, e) => console.error(`[web] ${msg}`, e));
}

/** JSON.stringify that turns BigInt into number (sizes fit well below 2^53) and Date into ISO strings. */
export function toJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)));
}
