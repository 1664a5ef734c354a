/** JSON error responses in one shape for the hand-written routes: {error: {code, message, details}}. */
import { AppError } from "@whetstone/api";

const STATUS: Record<AppError["code"], number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
};

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function jsonError(
  status: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): Response {
  const body: ErrorBody = { error: { code, message, details } };
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

export const notFoundResponse = (what = "not found") => jsonError(404, "NOT_FOUND", what);
export const unauthorizedResponse = (message = "sign in or send an API key") =>
  jsonError(401, "UNAUTHORIZED", message, {});

/** Maps an AppError to its status; anything else is logged and answered 500 without internals. */
export function errorResponse(err: unknown): Response {
  if (err instanceof AppError) {
    return jsonError(STATUS[err.code] ?? 400, err.code, err.message, { ...err.details });
  }
  console.error("[web] unexpected error:", err);
  return jsonError(500, "INTERNAL_SERVER_ERROR", "something went wrong on the server");
}

/** JSON.stringify that turns BigInt into number (sizes fit well below 2^53) and Date into ISO strings. */
export function toJson<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? Number(v) : v)));
}
