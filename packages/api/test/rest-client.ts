/** The REST API as apps/web serves it (handleRestRequest over the document's routes), for the package's tests. */
import { handleRestRequest } from "../src/rest/handle-rest";
import type { OpenApiDocumentLike } from "../src/rest/document";
import { buildOpenApiDocument } from "../src/openapi";
import { createRequestContext } from "../src/request-context";
import type { ApiDeps } from "../src/trpc";

let document: OpenApiDocumentLike | null = null;

/** Answers `req` (a Request for http://localhost/api/v1/…) with the API key of its Authorization header. */
export function serveRest(req: Request, deps: ApiDeps): Promise<Response> {
  document ??= buildOpenApiDocument("http://localhost/api/v1");
  return handleRestRequest(req, { document, createContext: (r) => createRequestContext(deps, r) });
}
