/**
 * Text the API cannot keep: PostgreSQL stores no NUL character (U+0000) in `text` or `jsonb`, Prisma's query engine
 * refuses a lone UTF-16 surrogate (`\ud800` without its pair) anywhere in a query, and a tokenizer cannot encode
 * one. No field the API reads may hold either (the OpenAPI document says so with a pattern on every string it
 * reads); `refuseUnstorableText` (trpc.ts) answers 400 naming the field.
 */
import { AppError } from "./errors";

// eslint-disable-next-line no-control-regex -- NUL is the character looked for
const BAD = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Dot path of the first string (value or key) of `value` holding a NUL or a lone surrogate, "" for the value
 *  itself; null if there is none. */
export function findUnstorableText(value: unknown, path = "", depth = 0): string | null {
  if (typeof value === "string") return BAD.test(value) ? path : null;
  if (depth > 64 || value === null || typeof value !== "object") return null;
  if (value instanceof Date) return null;
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  for (const [key, v] of entries) {
    const at = path ? `${path}.${key}` : key;
    if (BAD.test(key)) return at;
    const found = findUnstorableText(v, at, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

const DB_REFUSALS =
  /invalid byte sequence for encoding "UTF8": 0x00|unsupported Unicode escape sequence|JSON Error: [^\n]*(escape|surrogate)/;

/** Whether `err` (or its cause) is the database refusing a NUL or a lone surrogate. */
export function isUnstorableTextError(err: unknown): boolean {
  for (let e = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    if (e instanceof Error && DB_REFUSALS.test(e.message)) return true;
    const code = (e as { originalCode?: unknown }).originalCode;
    if (code === "22021" || code === "22P05") return true;
  }
  return false;
}

/** JSON-escaped for a message: a field name holding the very characters at fault stays printable. */
export const printable = (field: string) => JSON.stringify(field).slice(1, -1);

/** The 400 for such text in `field` ("" when it cannot be told). */
export function unstorableTextError(field: string): AppError {
  const name = field ? printable(field) : "input";
  return new AppError(
    "BAD_REQUEST",
    `${name}: text may not contain the NUL character (\\u0000) or an unpaired UTF-16 surrogate (\\ud800–\\udfff)`,
    { field: name },
  );
}

type Parser = { safeParse?: (v: unknown) => { success: boolean; data?: unknown } };

/**
 * The field of procedure `path`'s parsed input (unknown keys stripped) holding a NUL or a lone surrogate; null when
 * none does or the input does not parse (its validation error then says what is wrong).
 */
export async function unstorableFieldOf(path: string, raw: unknown): Promise<string | null> {
  const { appRouter } = await import("./root");
  const procs = appRouter._def.procedures as unknown as Record<string, { _def: { inputs: Parser[] } } | undefined>;
  const inputs = procs[path]?._def.inputs ?? [];
  if (inputs.length !== 1 || typeof inputs[0]?.safeParse !== "function") return findUnstorableText(raw);
  const parsed = inputs[0].safeParse(raw);
  return parsed.success ? findUnstorableText(parsed.data) : null;
}
