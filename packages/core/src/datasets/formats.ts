import { DATASET_FORMAT_LABELS, type DatasetFormat } from "../dataset-format";
import { typeName } from "./errors";
import { isPreferenceRecord, validatePreference } from "./preference";

export type DatasetRecord = Record<string, unknown>;

export const CHAT_ROLES = ["system", "user", "assistant"] as const;

/** The first thing wrong with one record: a field path and a message without the line (the caller adds it). */
export interface RowProblem {
  kind: "missing_field" | "wrong_type" | "invalid_value";
  field: string;
  message: string;
  expected?: string;
  got?: string;
}

const has = (r: DatasetRecord, k: string) => Object.prototype.hasOwnProperty.call(r, k);

/**
 * The format a record looks like, from its field names alone (values are checked by `validateRecord`):
 * `chosen`/`rejected` or `preferred_output`/`non_preferred_output` → preference (before `prompt`, which its rows
 * may carry too); `messages` → chat; `prompt`/`completion` → prompt_completion; `instruction`/`output` → alpaca;
 * `text` + `label` → classification; `text` → text. Null when no known field is present.
 */
export function detectFormat(r: DatasetRecord): DatasetFormat | null {
  if (isPreferenceRecord(r)) return "preference";
  if (has(r, "messages")) return "chat";
  if (has(r, "prompt") || has(r, "completion")) return "prompt_completion";
  if (has(r, "instruction") || has(r, "output")) return "alpaca";
  if (has(r, "label")) return "classification";
  if (has(r, "text")) return "text";
  return null;
}

/** The field that identifies a format (used to name the field in mixed-format and mismatch errors). */
export const KEY_FIELD: Record<DatasetFormat, string> = {
  chat: "messages",
  prompt_completion: "prompt",
  alpaca: "instruction",
  text: "text",
  classification: "label",
  preference: "chosen",
};

/** What each format needs, in words, for "cannot tell the format" errors. */
export const FORMAT_FIELDS_HELP =
  `"messages" (${DATASET_FORMAT_LABELS.chat}), "prompt" + "completion", "instruction" + "output" (Alpaca), ` +
  `"text" (raw text), "text" + "label" (classification) or "prompt" + "chosen" + "rejected" (preference pairs)`;

function missing(field: string): RowProblem {
  return { kind: "missing_field", field, message: `field "${field}" is missing` };
}
function wrongType(field: string, expected: string, v: unknown): RowProblem {
  const got = typeName(v);
  return { kind: "wrong_type", field, message: `field "${field}" must be ${expected}, got ${got}`, expected, got };
}
function requireString(r: DatasetRecord, field: string): RowProblem | null {
  if (!has(r, field)) return missing(field);
  const v = r[field];
  return typeof v === "string" ? null : wrongType(field, "a string", v);
}

function validateChat(r: DatasetRecord): RowProblem | null {
  if (!has(r, "messages")) return missing("messages");
  const messages = r.messages;
  if (!Array.isArray(messages)) return wrongType("messages", "an array", messages);
  if (messages.length === 0)
    return { kind: "invalid_value", field: "messages", message: `field "messages" must not be empty` };
  let assistant = false;
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    const at = `messages[${i}]`;
    if (typeof m !== "object" || m === null || Array.isArray(m)) return wrongType(at, "an object", m);
    const msg = m as DatasetRecord;
    if (!has(msg, "role")) return missing(`${at}.role`);
    const role = msg.role;
    if (typeof role !== "string") return wrongType(`${at}.role`, "a string", role);
    if (!(CHAT_ROLES as readonly string[]).includes(role)) {
      return {
        kind: "invalid_value",
        field: `${at}.role`,
        message: `field "${at}.role" must be one of ${CHAT_ROLES.map((x) => `"${x}"`).join(", ")}, got ${JSON.stringify(role.slice(0, 40))}`,
        expected: CHAT_ROLES.join("|"),
        got: role.slice(0, 40),
      };
    }
    if (role === "assistant") assistant = true;
    if (!has(msg, "content")) return missing(`${at}.content`);
    if (typeof msg.content !== "string") return wrongType(`${at}.content`, "a string", msg.content);
  }
  if (!assistant) {
    return {
      kind: "invalid_value",
      field: "messages",
      message: `field "messages" must contain at least one "assistant" message`,
    };
  }
  return null;
}

function validateClassification(r: DatasetRecord): RowProblem | null {
  const p = requireString(r, "text");
  if (p) return p;
  if (!has(r, "label")) return missing("label");
  const label = r.label;
  if (typeof label === "number") {
    return Number.isInteger(label) ? null : wrongType("label", "a string or an integer", label);
  }
  if (typeof label !== "string") return wrongType("label", "a string or an integer", label);
  if (label.trim() === "") return { kind: "invalid_value", field: "label", message: `field "label" must not be empty` };
  return null;
}

/**
 * The first problem of one record in a given format, or null. Extra fields are allowed (ids, metadata);
 * empty strings are allowed (they are counted as empty rows in the profile) except an empty classification label.
 */
export function validateRecord(format: DatasetFormat, r: DatasetRecord): RowProblem | null {
  switch (format) {
    case "chat":
      return validateChat(r);
    case "prompt_completion":
      return requireString(r, "prompt") ?? requireString(r, "completion");
    case "alpaca": {
      const p = requireString(r, "instruction");
      if (p) return p;
      if (has(r, "input") && r.input !== null && typeof r.input !== "string")
        return wrongType("input", "a string", r.input);
      return requireString(r, "output");
    }
    case "text":
      return requireString(r, "text");
    case "classification":
      return validateClassification(r);
    case "preference":
      return validatePreference(r);
  }
}
