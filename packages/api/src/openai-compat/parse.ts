/** Request parsing in OpenAI's terms: a bad body or query is a 400 whose `param` names the first bad parameter. */
import type { z } from "zod";
import { invalidRequest } from "./errors";

export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.", null, "invalid_body");
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const param = issue.path.map(String).join(".") || null;
  if (issue.code === "invalid_type" && issue.input === undefined && param) {
    throw invalidRequest(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
  }
  throw invalidRequest(`Invalid value for '${param ?? "body"}': ${issue.message}`, param, "invalid_value");
}

/** `limit`: an integer in [1, max], `def` when absent. */
export function parseLimit(q: URLSearchParams, def = 20, max = 100): number {
  const raw = q.get("limit");
  if (raw === null || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw invalidRequest(`Invalid 'limit': expected an integer between 1 and ${max}, got '${raw}'.`, "limit");
  }
  return n;
}

/** `metadata[key]=value` pairs of a query string (the SDKs' encoding of an object). */
export function parseMetadataQuery(q: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of q) {
    const m = /^metadata\[(.+)\]$/.exec(k);
    if (m) out[m[1]!] = v;
  }
  return out;
}
