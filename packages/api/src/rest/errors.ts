/**
 * The REST API's one error shape, `{error: {code, message, details}}`, declared once in the OpenAPI document
 * (`components.schemas.Error`, below) and produced by `restError` for every error path: validation, auth, not
 * found, conflict, wrong state, limits, 405, 413, 415 and 500 — from the generated procedures, the hand-written
 * routes (upload, generate, downloads) and the unsupported-method guard alike.
 *
 * `details` carries what a client can act on: `field` (a dot path into the input, `datasets.0.weight`), `line`
 * (an uploaded file's line), `issues` (every validation problem, `[{field, message}]`), and a few named extras
 * (`limit`, `kind`…). A 500 never carries internals: its cause is logged on the server.
 */
import { TRPCError } from "@trpc/server";
import { retryAfterHeaders, unavailableError } from "../dependency-errors";
import { AppError } from "../errors";
import { isUnstorableTextError } from "../input-text";

export interface RestErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/** HTTP status of each error code the API uses (tRPC's names, plus the generate route's upstream ones). */
export const ERROR_STATUS: Record<string, number> = {
  BAD_REQUEST: 400,
  PARSE_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  TOO_MANY_REQUESTS: 429,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  GENERATION_FAILED: 502,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  TIMEOUT: 504,
  GATEWAY_TIMEOUT: 504,
};

export interface RestErrorOptions {
  /** Extra response headers (`Allow` on a 405, `Connection: close` after an unread upload). */
  headers?: Record<string, string>;
  /** Overrides the status of `code` (e.g. a generate TIMEOUT is 504, not tRPC's 408). */
  status?: number;
}

/** The one function that writes an error response of the REST API. */
export function restError(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  opts: RestErrorOptions = {},
): Response {
  const body: RestErrorBody = { error: { code, message, details } };
  return Response.json(body, {
    status: opts.status ?? ERROR_STATUS[code] ?? 500,
    headers: { "cache-control": "no-store", ...opts.headers },
  });
}

export interface ValidationIssue {
  field: string;
  message: string;
}

/** Zod-like issues (`{path, message}`) as `{field, message}` with a dot path; the root is `body`. */
export function validationIssues(
  issues: readonly { path?: readonly PropertyKey[]; message: string }[],
): ValidationIssue[] {
  return issues.map((i) => ({
    field: i.path && i.path.length > 0 ? i.path.map(String).join(".") : "body",
    message: i.message,
  }));
}

/** A 400 for input that does not match the documented schema: the first field in `details.field`, all in `issues`. */
export function validationError(issues: ValidationIssue[]): Response {
  const shown = issues
    .slice(0, 3)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  return restError("BAD_REQUEST", `invalid input: ${shown}${more}`, {
    field: issues[0]?.field ?? "body",
    issues,
  });
}

function zodIssuesOf(cause: unknown): { path?: PropertyKey[]; message: string }[] | null {
  if (!(cause instanceof Error) || cause.name !== "ZodError") return null;
  const issues = (cause as Error & { issues?: unknown }).issues;
  return Array.isArray(issues) ? (issues as { path?: PropertyKey[]; message: string }[]) : null;
}

/**
 * Any thrown value as the REST error response: an AppError with its code and details, a TRPCError (its cause an
 * AppError, or the ZodError of input validation), anything else a logged 500 without internals.
 */
export function restErrorFrom(err: unknown, log: (msg: string, err: unknown) => void = console.error): Response {
  if (err instanceof AppError)
    return restError(err.code, err.message, { ...err.details }, { headers: retryAfterHeaders(err) });
  if (err instanceof TRPCError) {
    if (err.cause instanceof AppError) return restErrorFrom(err.cause, log);
    const issues = zodIssuesOf(err.cause);
    if (issues) return validationError(validationIssues(issues));
    if (err.code === "INTERNAL_SERVER_ERROR") {
      if (err.cause && isUnstorableTextError(err.cause)) return restErrorFrom(err.cause, log);
      const down = unavailableError(err.cause);
      if (down) return restErrorFrom(down, log);
      log("[api] REST internal error:", err.cause ?? err);
      return restError("INTERNAL_SERVER_ERROR", "something went wrong on the server");
    }
    return restError(err.code, err.message);
  }
  const issues = zodIssuesOf(err);
  if (issues) return validationError(validationIssues(issues));
  if (isUnstorableTextError(err)) {
    return restError(
      "BAD_REQUEST",
      "text may not contain the NUL character (\\u0000) or an unpaired UTF-16 surrogate (\\ud800–\\udfff)",
    );
  }
  const down = unavailableError(err);
  if (down) return restErrorFrom(down, log);
  log("[api] REST unexpected error:", err);
  return restError("INTERNAL_SERVER_ERROR", "something went wrong on the server");
}

/** The JSON Schema of every error body, `components.schemas.Error` of the OpenAPI document. */
export const ERROR_SCHEMA = {
  type: "object",
  description:
    "Every error of the API, whatever its status. `code` is machine-readable (BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, " +
    "NOT_FOUND, METHOD_NOT_SUPPORTED, CONFLICT, PRECONDITION_FAILED, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, " +
    "TOO_MANY_REQUESTS, INTERNAL_SERVER_ERROR, SERVICE_UNAVAILABLE, GENERATION_FAILED, TIMEOUT); `message` is written " +
    "for people and names the field or line; `details` holds what a client can act on.",
  required: ["error"],
  additionalProperties: false,
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "details"],
      additionalProperties: false,
      properties: {
        code: { type: "string", examples: ["BAD_REQUEST"] },
        message: {
          type: "string",
          examples: ["invalid input: sampling.temperature: Too big: expected number to be <=2"],
        },
        details: {
          type: "object",
          description:
            "`field`: dot path of the input at fault (`datasets.0.weight`, `file`, `body`); `line`: 1-based line of an " +
            "uploaded file; `issues`: every validation problem; other keys name limits and kinds (`limit`, `kind`…).",
          properties: {
            field: { type: "string" },
            line: { type: "integer", minimum: 1 },
            issues: {
              type: "array",
              items: {
                type: "object",
                required: ["field", "message"],
                additionalProperties: false,
                properties: { field: { type: "string" }, message: { type: "string" } },
              },
            },
          },
          additionalProperties: true,
        },
      },
    },
  },
} as const;
