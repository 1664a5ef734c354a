/**
 * /api/v1 — REST generated from the tRPC procedures, authenticated only with `Authorization: Bearer wst_…`:
 * packages/api's handleRestRequest (routing by the served document, 405/Allow, body-less POSTs, 201s, the one error
 * shape) with the API-key caller and the route table of the document this app serves (hand-written routes included).
 */
import {
  createContext,
  handleRestRequest,
  routesOf,
  type ApiDeps,
  type OpenApiDocumentLike,
  type RouteTable,
} from "@whetstone/api";
import { callerFromApiKey } from "../caller";
import { openApiDocument } from "./openapi";

let doc: OpenApiDocumentLike | null = null;
/** The served document (built once; the base URL does not matter for routing). */
function restDocument(): OpenApiDocumentLike {
  doc ??= openApiDocument("http://localhost/api/v1");
  return doc;
}

/** The paths and methods of the served document. */
export function restRoutes(): RouteTable {
  return routesOf(restDocument());
}

export function handleRest(req: Request, deps: ApiDeps): Promise<Response> {
  return handleRestRequest(req, {
    document: restDocument(),
    createContext: async (r) => createContext({ deps, caller: await callerFromApiKey(r, deps), teamSlug: null }),
    log: (msg, err) => console.error(`[web] ${msg}`, err),
  });
}
