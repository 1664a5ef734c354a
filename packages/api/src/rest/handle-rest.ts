/**
 * The REST API (/api/v1): the tRPC procedures through trpc-to-openapi's fetch adapter, held to the OpenAPI document
 * that is served for them:
 * - a path the document does not have is 404, a method it does not list for the path 405 with `Allow`, OPTIONS
 *   204 with `Allow`, HEAD a GET without its body — one route table for every /api/v1 route;
 * - an operation documented without a body takes a request without one (no content type needed);
 * - a JSON body is checked against the body schema the document declares, before the adapter coerces it
 *   (./body-check.ts);
 * - a JSON body past `MAX_JSON_BODY_BYTES` is 413;
 * - the create procedures answer 201 (`successStatus` in their meta);
 * - every error is the one shape of `restError` (./errors.ts), whatever raised it;
 * - the adapter's route table is built once per process (./openapi-fetch.ts), not per request.
 * apps/web serves it (with the API-key caller); the tests call it as it is served.
 */
import type { Context } from "../trpc";
import { checkJsonBody } from "./body-check";
import { routeTable, type OpenApiDocumentLike, type OperationObject, type RouteTable } from "./document";
import { restError, restErrorFrom, validationError } from "./errors";
import { openApiFetch } from "./openapi-fetch";
import { refuseUnread } from "./unread-body";

export const REST_PREFIX = "/api/v1";
/** Largest JSON request body of a procedure (job specs and evaluation requests are a few KiB). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

export interface RestHandlerOptions {
  /** The served OpenAPI document (hand-written routes included): routing, `Allow` and body schemas come from it. */
  document: OpenApiDocumentLike;
  /** The procedure context for a request (its caller from the API key). */
  createContext: (req: Request) => Promise<Context>;
  /** Where INTERNAL errors are logged. */
  log?: (msg: string, err: unknown) => void;
}

/**
 * Routing by the document, before anything else: 404 for a path it does not have, 405 + `Allow` for a method it
 * does not list, 204 + `Allow` for OPTIONS; null when the request is for a documented operation.
 */
export async function routeByDocument(req: Request, routes: RouteTable): Promise<Response | null> {
  const path = new URL(req.url).pathname.slice(REST_PREFIX.length) || "/";
  const allowed = routes.allowedMethods(path);
  if (!allowed) return refuseUnread(req, restError("NOT_FOUND", `no such endpoint: ${REST_PREFIX}${path}`));
  const allow = allowed.join(", ");
  if (req.method === "OPTIONS") return new Response(null, { status: 204, headers: { allow } });
  if (allowed.includes(req.method)) return null;
  return refuseUnread(
    req,
    restError(
      "METHOD_NOT_SUPPORTED",
      `${req.method} is not supported on ${REST_PREFIX}${path}; allowed: ${allow}`,
      { allowed },
      { headers: { allow } },
    ),
  );
}

const tables = new WeakMap<OpenApiDocumentLike, RouteTable>();
/** The route table of `doc`, built once per document. */
export function routesOf(doc: OpenApiDocumentLike): RouteTable {
  let t = tables.get(doc);
  if (!t) tables.set(doc, (t = routeTable(doc)));
  return t;
}

/**
 * The request as the adapter wants it: GET for HEAD, `{}` as the JSON body of a body-less POST/PUT/PATCH; a JSON
 * body that does not parse or does not match the operation's documented schema is answered 400 here.
 */
async function normalizeRequest(
  req: Request,
  op: OperationObject | null,
  opts: RestHandlerOptions,
): Promise<Request | Response> {
  const doc = opts.document;
  if (req.method === "HEAD") return new Request(req.url, { method: "GET", headers: req.headers });
  if (!["POST", "PUT", "PATCH"].includes(req.method)) return req;
  const tooLarge = () =>
    restError("PAYLOAD_TOO_LARGE", `the request body is larger than ${MAX_JSON_BODY_BYTES} bytes`, {
      field: "body",
      limit: MAX_JSON_BODY_BYTES,
    });
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_JSON_BODY_BYTES) return refuseUnread(req, tooLarge());
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = req.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_JSON_BODY_BYTES) {
        reader.releaseLock();
        return refuseUnread(req, tooLarge());
      }
      chunks.push(value);
    }
  }
  const headers = new Headers(req.headers);
  headers.delete("content-length");
  headers.delete("transfer-encoding");
  const body = Buffer.concat(chunks);
  const text = body.toString("utf8");
  const empty = text.trim() === "";
  if (empty) headers.set("content-type", "application/json"); // no body: an operation documented without one takes it
  if (op && /^application\/json\b/i.test(headers.get("content-type") ?? "")) {
    let parsed: unknown;
    try {
      parsed = empty ? {} : JSON.parse(text);
    } catch (err) {
      return restError("PARSE_ERROR", `the body is not valid JSON: ${(err as Error).message}`, { field: "body" });
    }
    const issues = checkJsonBody(op, doc, parsed);
    // A caller without a valid key hears 401 first (the adapter says it), not what is wrong with the body.
    if (issues.length > 0 && (!op.security?.length || (await opts.createContext(req)).caller)) {
      return validationError(issues);
    }
  }
  return new Request(req.url, { method: req.method, headers, body: empty ? "{}" : body });
}

/** Answers one /api/v1 request. */
export async function handleRestRequest(req: Request, opts: RestHandlerOptions): Promise<Response> {
  const routes = routesOf(opts.document);
  const routed = await routeByDocument(req, routes);
  if (routed) return routed;
  const path = new URL(req.url).pathname.slice(REST_PREFIX.length) || "/";
  const normalized = await normalizeRequest(req, routes.operation(path, req.method), opts);
  if (normalized instanceof Response) return normalized;
  let failure: unknown = null;
  let res: Response;
  try {
    res = await openApiFetch({
      endpoint: REST_PREFIX,
      req: normalized,
      createContext: () => opts.createContext(normalized),
      onError(error) {
        failure = error;
      },
    });
  } catch (err) {
    return restErrorFrom(err, opts.log);
  }
  if (res.status >= 400) {
    return failure
      ? restErrorFrom(failure, opts.log)
      : restError("INTERNAL_SERVER_ERROR", "something went wrong on the server");
  }
  return req.method === "HEAD" ? new Response(null, { status: res.status, headers: res.headers }) : res;
}
