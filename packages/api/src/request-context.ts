import type { IncomingHttpHeaders } from "node:http";
import { authenticateApiKey } from "./auth/authenticate-api-key";
import { createContext, type ApiDeps, type Caller, type Context } from "./trpc";

function header(headers: Headers | IncomingHttpHeaders, name: string): string | null {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name);
  const v = (headers as IncomingHttpHeaders)[name];
  return (Array.isArray(v) ? v[0] : v) ?? null;
}

/**
 * Context of one HTTP request (fetch `Request` or node `IncomingMessage`). An `Authorization: Bearer wst_…` header
 * is an API key and wins; a request that sends one that is not valid is anonymous (UNAUTHORIZED on protected
 * procedures), never downgraded to the session. Otherwise the signed-in session's caller (the web app resolves it
 * with next-auth and passes it in) with the team from `x-whetstone-team`.
 */
export async function createRequestContext(
  deps: ApiDeps,
  req: { headers: Headers | IncomingHttpHeaders },
  sessionCaller: Extract<Caller, { kind: "session" }> | null = null,
): Promise<Context> {
  const authorization = header(req.headers, "authorization");
  const apiKeyCaller = authorization ? await authenticateApiKey(deps.prisma, authorization, deps.redis) : null;
  return createContext({
    deps,
    caller: authorization ? apiKeyCaller : sessionCaller,
    teamSlug: header(req.headers, "x-whetstone-team"),
  });
}
