import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { AppError, appRouter, createRequestContext, retryAfterHeaders, type ApiDeps } from "@whetstone/api";
import { callerFromSession, type SessionReader } from "../caller";

/** /api/trpc — the dashboard (session cookie + x-whetstone-team) or an API key. */
export function handleTrpc(req: Request, deps: ApiDeps, readSession: SessionReader): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => {
      // An Authorization header wins (a bad key is refused, not replaced by the cookie).
      const session = req.headers.get("authorization") ? null : await callerFromSession(deps, readSession);
      return createRequestContext(deps, req, session?.kind === "session" ? session : null);
    },
    // A dependency down or saturated is a 503 (packages/api dependency-errors.ts): say when to try again.
    responseMeta({ errors }) {
      const retryAfter = errors
        .map((e) => (e.cause instanceof AppError ? retryAfterHeaders(e.cause)["retry-after"] : undefined))
        .find(Boolean);
      return retryAfter ? { headers: new Headers({ "retry-after": retryAfter }) } : {};
    },
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`[web] tRPC ${path ?? "?"}:`, error.cause ?? error);
    },
  });
}

/** /api/v1 — REST generated from the same procedures: ./rest.ts. */
export { handleRest } from "./rest";
