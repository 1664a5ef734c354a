/**
 * Characters a dataset's text cannot hold, although a JSON string can spell them as escapes:
 * - NUL (`\u0000`): PostgreSQL stores no U+0000 (the profile keeps sample rows and labels), and in training text it
 *   is a sign of a binary or corrupted file;
 * - a lone UTF-16 surrogate (`\ud800` without its pair): not a character at all, so it cannot be written as UTF-8,
 *   and the tokenizer fails on it at training time.
 * Every other control character (`\u0001`…`\u001f`, `\u007f`) is ordinary text and kept. A raw NUL byte in a CSV/TSV
 * field is the same NUL; raw surrogates cannot reach here (the UTF-8 decoder refuses them first).
 */

export interface TextProblem {
  /** Path of the string in the record, `messages[2].content`; a key's path when the key itself is at fault. */
  field: string;
  what: "nul" | "lone_surrogate";
  /** 1-based position (UTF-16 code units) of the character in the string. */
  at: number;
  /** The escape that spells it, e.g. `\u0000` or `\ud800`. */
  escape: string;
}

// eslint-disable-next-line no-control-regex -- NUL is the character looked for
const SUSPECT = /[\u0000\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex -- NUL is the character looked for
const BAD = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function problemIn(s: string, field: string): TextProblem | null {
  if (!SUSPECT.test(s)) return null; // the common case: one scan, no surrogates at all
  const m = BAD.exec(s);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  return {
    field,
    what: code === 0 ? "nul" : "lone_surrogate",
    at: m.index + 1,
    escape: `\\u${code.toString(16).padStart(4, "0")}`,
  };
}

const plainKey = /^[A-Za-z_][A-Za-z0-9_]*$/;
const join = (path: string, key: string) =>
  plainKey.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;

/** The first NUL or lone surrogate in any string (value or key) of `value`, with its path; null when there is none. */
export function findUnencodableText(value: unknown, path = "", depth = 0): TextProblem | null {
  if (typeof value === "string") return problemIn(value, path);
  if (depth > 64 || value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findUnencodableText(value[i], `${path}[${i}]`, depth + 1);
      if (p) return p;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = join(path, key);
    const k = problemIn(key, at);
    if (k) return k;
    const p = findUnencodableText(v, at, depth + 1);
    if (p) return p;
  }
  return null;
}

/** The problem in words, for a line's error message. */
export function describeTextProblem(p: TextProblem): string {
  return p.what === "nul"
    ? `field "${p.field}" holds the NUL character (${p.escape}) at character ${p.at}; text data cannot contain it — ` +
        `is this a binary file, or a value that should be removed?`
    : `field "${p.field}" holds an unpaired UTF-16 surrogate (${p.escape}) at character ${p.at}, which is not a ` +
        `character and cannot be encoded as UTF-8; fix the escape or remove it`;
}
