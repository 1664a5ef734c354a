import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, createRequestContext, type ApiDeps } from "@whetstone/api";
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
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`[web] tRPC ${path ?? "?"}:`, error.cause ?? error);
    },
  });
}

/** /api/v1 — REST generated from the same procedures: ./rest.ts. */
export { handleRest } from "./rest";
