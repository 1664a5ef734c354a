/**
 * Finishing touches on the generated OpenAPI document, applied to every operation — generated from a procedure or
 * written by hand — so that the document says what the server does:
 * - one error schema (`components.schemas.Error`, see ./errors.ts) behind every error response, in place of the
 *   generator's per-code shapes that the server never produced;
 * - the error statuses each operation can answer (400 for input, 401/403 for protected ones, 404, 415 for a body,
 *   500), and `default` for the rarer ones (409, 412, 413, 429, 502…), all in that shape;
 * - `security: []` on the public operations (health, sign-up), so no client sends or expects a key there;
 * - `201 Created` for the procedures that create a resource (`successStatus: 201` in their meta).
 */
import { ERROR_SCHEMA } from "./errors";

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

interface ResponseObject {
  description?: string;
  content?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  $ref?: string;
}
export interface OperationObject {
  operationId?: string;
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, ResponseObject>;
  [key: string]: unknown;
}
export interface OpenApiDocumentLike {
  paths?: Record<string, Record<string, OperationObject | unknown>>;
  components?: { schemas?: Record<string, unknown>; responses?: Record<string, unknown>; [k: string]: unknown };
  [key: string]: unknown;
}

const ERROR_REF = { $ref: "#/components/schemas/Error" };
const errorContent = () => ({ "application/json": { schema: { ...ERROR_REF } } });

/** The shared error responses, each a description over the one schema. */
export const ERROR_RESPONSES: Record<string, { status: string; description: string }> = {
  BadRequest: {
    status: "400",
    description:
      "The input does not match this document or breaks a rule it states: `details.field` names the first field at fault, `details.issues` lists them all",
  },
  Unauthorized: { status: "401", description: "Missing, invalid or revoked API key" },
  Forbidden: { status: "403", description: "The key's role (viewer, member, owner, admin) may not do this" },
  NotFound: { status: "404", description: "No such resource in the key's team" },
  UnsupportedMediaType: { status: "415", description: "The body is not in a content type this operation reads" },
  InternalServerError: { status: "500", description: "Something went wrong on the server; nothing internal is shown" },
  Error: {
    status: "default",
    description:
      "Any other error, in the same shape: 409 conflict, 412 not in a state that allows it, 413 too large, 429 rate limited, 502/503/504 no runner or a runner error",
  },
};

const isOperation = (method: string, op: unknown): op is OperationObject =>
  (HTTP_METHODS as readonly string[]).includes(method) && typeof op === "object" && op !== null;

/** Each operation of the document with its path and method. */
export function operationsOf(doc: OpenApiDocumentLike): { path: string; method: string; op: OperationObject }[] {
  const out: { path: string; method: string; op: OperationObject }[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item ?? {})) if (isOperation(method, op)) out.push({ path, method, op });
  }
  return out;
}

/** The generator's stock error response (`#/components/schemas/error.CODE`), replaced by the shared ones. */
function isGeneratedError(r: ResponseObject): boolean {
  const json = r.content?.["application/json"] as { schema?: { $ref?: string } } | undefined;
  return json?.schema?.$ref?.startsWith("#/components/schemas/error.") ?? false;
}

function finishOperation(op: OperationObject, successStatus: number | undefined): void {
  const responses: Record<string, ResponseObject> = {};
  for (const [status, r] of Object.entries(op.responses ?? {})) {
    if (/^2\d\d$/.test(status)) {
      const to = successStatus && status === "200" ? String(successStatus) : status;
      responses[to] = to === "201" && r.description === "Successful response" ? { ...r, description: "Created" } : r;
    } else if (!isGeneratedError(r)) {
      // A hand-written route's own error statuses (413, 502…) keep their words, with the one schema.
      responses[status] = r.$ref ? r : { description: r.description ?? "Error", content: errorContent() };
    }
  }
  const isPublic = !op.security || op.security.length === 0;
  op.security = isPublic ? [] : op.security;
  const hasInput = Boolean(op.requestBody) || (Array.isArray(op.parameters) && op.parameters.length > 0);
  const wanted = [
    hasInput && "BadRequest",
    !isPublic && "Unauthorized",
    !isPublic && "Forbidden",
    !isPublic && "NotFound",
    op.requestBody && "UnsupportedMediaType",
    "InternalServerError",
    "Error",
  ].filter((x): x is string => typeof x === "string");
  for (const name of wanted) {
    const status = ERROR_RESPONSES[name]!.status;
    responses[status] ??= { $ref: `#/components/responses/${name}` };
  }
  op.responses = responses;
}

/**
 * Every string the API reads excludes the NUL character (U+0000): nothing can store it (the server also refuses an
 * unpaired UTF-16 surrogate, which JSON Schema cannot spell portably). A string schema of a request that has no
 * pattern, format or fixed values gets this one.
 */
export const TEXT_PATTERN = "^[^\\u0000]*$";

type SchemaNode = Record<string, unknown>;

function withTextPattern(node: unknown, doc: OpenApiDocumentLike, seen: Set<unknown>): void {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const n of node) withTextPattern(n, doc, seen);
    return;
  }
  const s = node as SchemaNode;
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/components/schemas/")) {
    withTextPattern(doc.components?.schemas?.[s.$ref.slice("#/components/schemas/".length)], doc, seen);
  }
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes("string") && !("pattern" in s) && !("format" in s) && !("enum" in s) && !("const" in s)) {
    s.pattern = TEXT_PATTERN;
  }
  for (const key of ["properties", "patternProperties", "$defs", "definitions"]) {
    if (s[key] && typeof s[key] === "object")
      for (const v of Object.values(s[key] as object)) withTextPattern(v, doc, seen);
  }
  for (const key of ["items", "prefixItems", "anyOf", "oneOf", "allOf", "not", "additionalProperties", "contains"]) {
    withTextPattern(s[key], doc, seen);
  }
}

function requestSchemas(op: OperationObject): unknown[] {
  const out: unknown[] = [];
  for (const p of (op.parameters ?? []) as { schema?: unknown }[]) out.push(p.schema);
  const content = (op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content ?? {};
  for (const [type, c] of Object.entries(content)) if (type !== "application/octet-stream") out.push(c.schema);
  return out;
}

/**
 * Applies the error schema, the error responses, public security and 201s to every operation of `doc` (in place).
 * `successStatus` maps `METHOD path` (e.g. `POST /jobs`) to the status of a success other than 200.
 */
export function finishOpenApiDocument<T extends OpenApiDocumentLike>(
  doc: T,
  successStatus: ReadonlyMap<string, number> = new Map(),
): T {
  const components = (doc.components ??= {});
  const schemas = (components.schemas ??= {});
  // The generator's per-code error schemas described bodies the server never sent.
  for (const name of Object.keys(schemas)) if (name.startsWith("error.")) delete schemas[name];
  schemas.Error = ERROR_SCHEMA;
  components.responses = {
    ...components.responses,
    ...Object.fromEntries(
      Object.entries(ERROR_RESPONSES).map(([name, r]) => [
        name,
        { description: r.description, content: errorContent() },
      ]),
    ),
  };
  const seen = new Set<unknown>();
  for (const { path, method, op } of operationsOf(doc)) {
    finishOperation(op, successStatus.get(`${method.toUpperCase()} ${path}`));
    for (const schema of requestSchemas(op)) withTextPattern(schema, doc, seen);
  }
  return doc;
}

/** The documented paths and methods, for routing a request the way the document describes it. */
export interface RouteTable {
  /** Methods the path serves (plus HEAD with GET, and OPTIONS); null for a path the document does not have. */
  allowedMethods(pathname: string): string[] | null;
  /** The documented operation `method pathname` is routed to, if any. */
  operation(pathname: string, method: string): OperationObject | null;
}

/**
 * A path is routed to its most specific template: `/jobs/estimate` is the literal `/jobs/estimate` (POST only), not
 * `/jobs/{id}` — as the document reads, and as `Allow` must then say.
 */
export function routeTable(doc: OpenApiDocumentLike): RouteTable {
  const routes = Object.entries(doc.paths ?? {}).map(([template, item]) => {
    const segments = template.split("/");
    const pattern = segments
      .map((seg) => (/^\{[^}]+\}$/.test(seg) ? "[^/]+" : seg.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
      .join("/");
    const ops = new Map<string, OperationObject>();
    for (const [m, op] of Object.entries(item ?? {})) if (isOperation(m, op)) ops.set(m.toUpperCase(), op);
    return { re: new RegExp(`^${pattern}$`), literals: segments.filter((x) => !x.startsWith("{")).length, ops };
  });
  const best = (pathname: string) => {
    const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
    const found = routes.filter((r) => r.re.test(path));
    const top = Math.max(...found.map((r) => r.literals));
    return found.filter((r) => r.literals === top);
  };
  return {
    allowedMethods(pathname) {
      const found = best(pathname);
      if (found.length === 0) return null;
      const methods = new Set(found.flatMap((r) => [...r.ops.keys()]));
      if (methods.has("GET")) methods.add("HEAD");
      methods.add("OPTIONS");
      return ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].filter((m) => methods.has(m));
    },
    operation(pathname, method) {
      for (const r of best(pathname)) {
        const op = r.ops.get(method === "HEAD" ? "GET" : method);
        if (op) return op;
      }
      return null;
    },
  };
}
