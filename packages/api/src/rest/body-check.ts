/**
 * JSON request bodies are checked against the served document before a procedure sees them.
 *
 * trpc-to-openapi coerces every number, boolean and date of an input schema (`coerceSchema`, meant for query
 * strings, applied to bodies too and by mutating the shared zod schema): a JSON body's `"isAdmin": "false"` would
 * become `true`, `"monthlyGpuHours": false` 0. A body is therefore validated first against the JSON Schema the
 * document declares for it (built once per operation with zod's `fromJSONSchema`), so what the document says is
 * invalid is a 400 naming the fields, whatever the adapter would have coerced.
 */
import { z } from "zod";
import type { OpenApiDocumentLike, OperationObject } from "./document";
import { validationIssues, type ValidationIssue } from "./errors";

type Validator = { safeParse: (v: unknown) => { success: boolean; error?: { issues: z.core.$ZodIssue[] } } };

const cache = new WeakMap<OperationObject, Validator | null>();

/** `schema` with every `#/components/schemas/…` reference replaced by the component (cycles left as `{}`). */
function deref(schema: unknown, doc: OpenApiDocumentLike, stack: string[] = []): unknown {
  if (Array.isArray(schema)) return schema.map((s) => deref(s, doc, stack));
  if (!schema || typeof schema !== "object") return schema;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === "string" && s.$ref.startsWith("#/components/schemas/")) {
    const name = s.$ref.slice("#/components/schemas/".length);
    if (stack.includes(name)) return {};
    return deref(doc.components?.schemas?.[name] ?? {}, doc, [...stack, name]);
  }
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, deref(v, doc, stack)]));
}

function validatorOf(op: OperationObject, doc: OpenApiDocumentLike): Validator | null {
  if (cache.has(op)) return cache.get(op)!;
  const body = op.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined;
  const schema = body?.content?.["application/json"]?.schema;
  let v: Validator | null = null;
  if (schema) {
    try {
      v = z.fromJSONSchema(deref(schema, doc) as Parameters<typeof z.fromJSONSchema>[0]) as Validator;
    } catch {
      v = null; // a schema zod cannot read: the procedure's own validation still runs
    }
  }
  cache.set(op, v);
  return v;
}

/** The problems of JSON `body` against `op`'s documented body; empty when it matches or none is documented. */
export function checkJsonBody(op: OperationObject, doc: OpenApiDocumentLike, body: unknown): ValidationIssue[] {
  const v = validatorOf(op, doc);
  if (!v) return [];
  const r = v.safeParse(body);
  return r.success ? [] : validationIssues(r.error?.issues ?? [{ path: [], message: "does not match the schema" }]);
}
