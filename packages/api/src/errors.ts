import type { TRPC_ERROR_CODE_KEY } from "@trpc/server";

/** Where in an uploaded file something is wrong (1-based line, field path). */
export interface ErrorLocation {
  line?: number;
  field?: string;
}

/**
 * A typed application error. Domain functions throw it; the tRPC error formatter maps `code` to an HTTP status
 * and passes `details` to the client, so every bad input gets a specific, structured message.
 */
export class AppError extends Error {
  constructor(
    readonly code: Extract<
      TRPC_ERROR_CODE_KEY,
      | "BAD_REQUEST"
      | "NOT_FOUND"
      | "FORBIDDEN"
      | "UNAUTHORIZED"
      | "CONFLICT"
      | "PRECONDITION_FAILED"
      | "PAYLOAD_TOO_LARGE"
      | "TOO_MANY_REQUESTS"
      | "SERVICE_UNAVAILABLE"
    >,
    message: string,
    readonly details: ErrorLocation & Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
