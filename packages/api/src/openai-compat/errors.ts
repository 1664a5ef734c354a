/**
 * OpenAI's error shape, `{"error": {"message", "type", "param", "code"}}`, with the statuses the official SDKs turn
 * into their error classes (400 BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError, 404
 * NotFoundError, 409 ConflictError, 413, 429 RateLimitError, 5xx InternalServerError).
 *
 * Whetstone's AppError maps onto it in one place: `field` becomes `param` (renamed to the OpenAI parameter by the
 * caller where the names differ), a wrong state (412 in the REST API) is OpenAI's 400 `invalid_request_error`.
 * Errors that retrying cannot fix carry `x-should-retry: false`, which both SDKs honour (they retry 409, 429 and
 * 5xx by default).
 */
import { AppError } from "../errors";

/** The types OpenAI's API answers with (401, 403 and 404 are `invalid_request_error` there too). */
export type OpenAiErrorType = "invalid_request_error" | "insufficient_quota" | "server_error";

export interface OpenAiErrorBody {
  error: { message: string; type: OpenAiErrorType; param: string | null; code: string | null };
}

/** An error already in OpenAI's terms. Thrown by the adapter; answered by `openAiErrorResponse`. */
export class OpenAiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: OpenAiErrorType = "invalid_request_error",
    readonly param: string | null = null,
    readonly code: string | null = null,
    /** false: the SDKs must not retry (a quota that stays spent, a runner that did not answer in 90 s). */
    readonly retry: boolean | null = null,
  ) {
    super(message);
    this.name = "OpenAiError";
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new OpenAiError(400, message, "invalid_request_error", param, code);

export const notFoundError = (message: string, param: string | null = null) =>
  new OpenAiError(404, message, "invalid_request_error", param, null);

const APP_STATUS: Record<AppError["code"], number> = {
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHORIZED: 401,
  CONFLICT: 409,
  // OpenAI answers a request that the resource's state does not allow with 400.
  PRECONDITION_FAILED: 400,
  PAYLOAD_TOO_LARGE: 413,
  TOO_MANY_REQUESTS: 429,
  // A dependency down or saturated (dependency-errors.ts); the SDKs retry a 503.
  SERVICE_UNAVAILABLE: 503,
};

/**
 * Any thrown value in OpenAI's terms. `params` renames Whetstone field paths (`baseModelId`,
 * `datasets.0.datasetVersionId`) to the OpenAI parameter they came from (`model`, `training_file`); a path that
 * starts with a renamed one keeps its tail.
 */
export function toOpenAiError(err: unknown, params: Record<string, string> = {}): OpenAiError | null {
  if (err instanceof OpenAiError) return err;
  if (err instanceof AppError) {
    const status = APP_STATUS[err.code];
    const field = typeof err.details.field === "string" ? err.details.field : null;
    let param = field;
    if (field) {
      for (const [from, to] of Object.entries(params)) {
        if (field === from || field.startsWith(`${from}.`)) {
          param = to + field.slice(from.length);
          break;
        }
      }
    }
    if (err.code === "TOO_MANY_REQUESTS") {
      return new OpenAiError(429, err.message, "insufficient_quota", param, "insufficient_quota", false);
    }
    const code = {
      PRECONDITION_FAILED: "invalid_state",
      CONFLICT: "conflict",
      UNAUTHORIZED: "invalid_api_key",
      FORBIDDEN: "insufficient_permissions",
      PAYLOAD_TOO_LARGE: "file_too_large",
    }[err.code as string];
    return new OpenAiError(
      status,
      err.message,
      "invalid_request_error",
      param,
      code ?? null,
      err.code === "CONFLICT" ? false : null,
    );
  }
  return null;
}

/** The response of an error; anything that is not an OpenAiError or AppError is logged and answered 500. */
export function openAiErrorResponse(
  err: unknown,
  log: (message: string, err: unknown) => void = (m, e) => console.error(`[openai] ${m}`, e),
  params: Record<string, string> = {},
): Response {
  let e = toOpenAiError(err, params);
  if (!e) {
    log("unexpected error", err);
    e = new OpenAiError(500, "The server had an error while processing your request.", "server_error");
  }
  const body: OpenAiErrorBody = { error: { message: e.message, type: e.type, param: e.param, code: e.code } };
  const headers: Record<string, string> = { "cache-control": "no-store" };
  if (e.retry !== null) headers["x-should-retry"] = String(e.retry);
  return Response.json(body, { status: e.status, headers });
}
