import { authenticateApiKey } from "./auth/authenticate-api-key";
import { createContext, type ApiDeps, type Caller, type Context } from "./trpc";

/**
 * Context of one HTTP request: an API key in `Authorization: Bearer wst_…` wins; otherwise the signed-in
 * session's caller (the web app resolves it with next-auth and passes it in) with the team from `x-whetstone-team`.
 */
export async function createRequestContext(
  deps: ApiDeps,
  req: { headers: Headers },
  sessionCaller: Extract<Caller, { kind: "session" }> | null = null,
): Promise<Context> {
  const authorization = req.headers.get("authorization");
  const apiKeyCaller = authorization ? await authenticateApiKey(deps.prisma, authorization) : null;
  return createContext({
    deps,
    caller: apiKeyCaller ?? (authorization ? null : sessionCaller),
    teamSlug: req.headers.get("x-whetstone-team"),
  });
}
