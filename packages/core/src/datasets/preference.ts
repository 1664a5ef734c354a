/**
 * The `preference` format: a prompt and two answers, the preferred one first. Two shapes, both one format:
 *
 * - TRL's `{"prompt", "chosen", "rejected"}`: strings, or message lists (`[{role, content}]`). The prompt may be
 *   left out when both answers are message lists: it is then the messages they share at the start ("implicit
 *   prompt", as in Anthropic HH or TRL's ultrafeedback_binarized), and each answer is what follows.
 * - OpenAI's DPO rows: `{"input": {"messages": [...]}, "preferred_output": [{role: "assistant", content}],
 *   "non_preferred_output": [...]}`.
 *
 * The runner reads the same two shapes (whetstone_runner/techniques/preference.py). Pure, no I/O.
 */
import type { DatasetRecord, RowProblem } from "./formats";
import { typeName } from "./errors";

const ROLES = ["system", "user", "assistant"] as const;

/** The fields that make a record a preference row (either shape). */
export const PREFERENCE_KEY_FIELDS = ["chosen", "rejected", "preferred_output", "non_preferred_output"] as const;

export interface PreferenceMessage {
  role: string;
  content: string;
}
/** One preference row as texts: the prompt's messages, then each answer's messages (the shared start removed). */
export interface PreferencePair {
  prompt: PreferenceMessage[];
  chosen: PreferenceMessage[];
  rejected: PreferenceMessage[];
}

const has = (r: DatasetRecord, k: string) => Object.prototype.hasOwnProperty.call(r, k);

export function isPreferenceRecord(r: DatasetRecord): boolean {
  return PREFERENCE_KEY_FIELDS.some((k) => has(r, k));
}

/** Which shape a preference record is in: OpenAI's when it names neither `chosen` nor `rejected`. */
export function preferenceShape(r: DatasetRecord): "pairs" | "openai" {
  return has(r, "chosen") || has(r, "rejected") ? "pairs" : "openai";
}

function missing(field: string): RowProblem {
  return { kind: "missing_field", field, message: `field "${field}" is missing` };
}
function wrongType(field: string, expected: string, v: unknown): RowProblem {
  const got = typeName(v);
  return { kind: "wrong_type", field, message: `field "${field}" must be ${expected}, got ${got}`, expected, got };
}
function invalid(field: string, message: string): RowProblem {
  return { kind: "invalid_value", field, message };
}

/** A non-empty list of {role, content} messages with known roles and string contents, or its first problem. */
function checkMessages(v: unknown, field: string): RowProblem | null {
  if (!Array.isArray(v)) return wrongType(field, "an array of messages", v);
  if (v.length === 0) return invalid(field, `field "${field}" must not be empty`);
  for (let i = 0; i < v.length; i++) {
    const m: unknown = v[i];
    const at = `${field}[${i}]`;
    if (typeof m !== "object" || m === null || Array.isArray(m)) return wrongType(at, "an object", m);
    const msg = m as DatasetRecord;
    if (!has(msg, "role")) return missing(`${at}.role`);
    if (typeof msg.role !== "string") return wrongType(`${at}.role`, "a string", msg.role);
    if (!(ROLES as readonly string[]).includes(msg.role)) {
      return {
        kind: "invalid_value",
        field: `${at}.role`,
        message: `field "${at}.role" must be one of ${ROLES.map((x) => `"${x}"`).join(", ")}, got ${JSON.stringify(msg.role.slice(0, 40))}`,
        expected: ROLES.join("|"),
        got: msg.role.slice(0, 40),
      };
    }
    if (!has(msg, "content")) return missing(`${at}.content`);
    if (typeof msg.content !== "string") return wrongType(`${at}.content`, "a string", msg.content);
  }
  return null;
}

/** An answer given as messages ends with the assistant's turn (what the pair compares). */
function checkAnswerEnd(v: PreferenceMessage[], field: string): RowProblem | null {
  return v[v.length - 1]!.role === "assistant"
    ? null
    : invalid(field, `field "${field}" must end with an "assistant" message (the answer)`);
}

const sameMessages = (a: PreferenceMessage[], b: PreferenceMessage[]) =>
  a.length === b.length && a.every((m, i) => m.role === b[i]!.role && m.content.trim() === b[i]!.content.trim());

function asMessages(v: unknown, role: "user" | "assistant"): PreferenceMessage[] {
  return typeof v === "string" ? [{ role, content: v }] : (v as PreferenceMessage[]);
}

/** The number of whole messages `a` and `b` share at their start. */
function sharedStart(a: PreferenceMessage[], b: PreferenceMessage[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n]!.role === b[n]!.role && a[n]!.content === b[n]!.content) n++;
  return n;
}

/**
 * A valid preference record as prompt and answers. A string prompt is one user message and a string answer one
 * assistant message; without a prompt, the messages both answers start with are the prompt.
 */
export function preferencePair(r: DatasetRecord): PreferencePair {
  if (preferenceShape(r) === "openai") {
    return {
      prompt: (r.input as { messages: PreferenceMessage[] }).messages,
      chosen: r.preferred_output as PreferenceMessage[],
      rejected: r.non_preferred_output as PreferenceMessage[],
    };
  }
  const chosen = asMessages(r.chosen, "assistant");
  const rejected = asMessages(r.rejected, "assistant");
  if (has(r, "prompt") && r.prompt !== null) {
    return { prompt: asMessages(r.prompt, "user"), chosen, rejected };
  }
  const n = sharedStart(chosen, rejected);
  return { prompt: chosen.slice(0, n), chosen: chosen.slice(n), rejected: rejected.slice(n) };
}

function validatePairs(r: DatasetRecord): RowProblem | null {
  if (!has(r, "chosen")) return missing("chosen");
  if (!has(r, "rejected")) return missing("rejected");
  const kind = typeof r.chosen === "string" ? "string" : Array.isArray(r.chosen) ? "messages" : null;
  if (!kind) return wrongType("chosen", "a string or an array of messages", r.chosen);
  if (kind === "messages") {
    const p = checkMessages(r.chosen, "chosen") ?? checkMessages(r.rejected, "rejected");
    if (p) return p;
    const e = checkAnswerEnd(r.chosen as PreferenceMessage[], "chosen");
    if (e) return e;
    const f = checkAnswerEnd(r.rejected as PreferenceMessage[], "rejected");
    if (f) return f;
  } else if (typeof r.rejected !== "string") {
    return wrongType("rejected", 'a string, like "chosen"', r.rejected);
  }
  const prompt = has(r, "prompt") ? r.prompt : null;
  if (prompt === null) {
    if (kind === "string") return missing("prompt");
  } else if (typeof prompt !== "string") {
    const p = checkMessages(prompt, "prompt");
    if (p)
      return p.kind === "wrong_type" && p.field === "prompt"
        ? wrongType("prompt", "a string or an array of messages", prompt)
        : p;
  }
  const pair = preferencePair(r);
  if (pair.chosen.length === 0 || pair.rejected.length === 0 || sameMessages(pair.chosen, pair.rejected)) {
    return invalid(
      "rejected",
      `fields "chosen" and "rejected" hold the same answer; a preference pair needs two different answers`,
    );
  }
  if (prompt === null && pair.prompt.length === 0) {
    return invalid(
      "prompt",
      `field "prompt" is missing and "chosen" and "rejected" share no first message to take it from; add a "prompt"`,
    );
  }
  if (prompt === null) {
    const e =
      pair.chosen[0]!.role === "assistant"
        ? null
        : invalid("chosen", `field "chosen" must continue the shared messages with an "assistant" answer`);
    if (e) return e;
  }
  return null;
}

function validateOpenAi(r: DatasetRecord): RowProblem | null {
  if (!has(r, "input")) return missing("input");
  const input = r.input;
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return wrongType("input", "an object", input);
  if (!has(input as DatasetRecord, "messages")) return missing("input.messages");
  const p =
    checkMessages((input as DatasetRecord).messages, "input.messages") ??
    (has(r, "preferred_output")
      ? checkMessages(r.preferred_output, "preferred_output")
      : missing("preferred_output")) ??
    (has(r, "non_preferred_output")
      ? checkMessages(r.non_preferred_output, "non_preferred_output")
      : missing("non_preferred_output"));
  if (p) return p;
  const e =
    checkAnswerEnd(r.preferred_output as PreferenceMessage[], "preferred_output") ??
    checkAnswerEnd(r.non_preferred_output as PreferenceMessage[], "non_preferred_output");
  if (e) return e;
  if (sameMessages(r.preferred_output as PreferenceMessage[], r.non_preferred_output as PreferenceMessage[])) {
    return invalid(
      "non_preferred_output",
      `fields "preferred_output" and "non_preferred_output" hold the same answer; a preference pair needs two different answers`,
    );
  }
  return null;
}

/** The first problem of a preference record, or null. */
export function validatePreference(r: DatasetRecord): RowProblem | null {
  return preferenceShape(r) === "openai" ? validateOpenAi(r) : validatePairs(r);
}
