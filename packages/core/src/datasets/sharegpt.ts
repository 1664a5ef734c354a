import { typeName } from "./errors";
import type { DatasetRecord, RowProblem } from "./formats";

/**
 * ShareGPT rows (LLaMA-Factory's default chat layout): `{"conversations": [{"from": "human", "value": "…"}, …]}`,
 * with an optional top-level `"system"` prompt. They are stored as the platform's chat format
 * (`{"messages": [{"role", "content"}]}`), which the runner reads; other top-level fields (ids, `tools`) are kept.
 *
 * Roles: `human` → user, `gpt` → assistant, `system` → system. The OpenAI names (`user`, `assistant`) and the
 * `role`/`content` keys some exports use instead of `from`/`value` are accepted too. Tool turns (`function_call`,
 * `observation`) are refused: the chat format has no place for them.
 */
export const SHAREGPT_FIELD = "conversations";

const ROLE_OF: Record<string, "system" | "user" | "assistant"> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  system: "system",
};
export const SHAREGPT_ROLES = Object.keys(ROLE_OF);

const has = (r: DatasetRecord, k: string) => Object.prototype.hasOwnProperty.call(r, k);

/** A ShareGPT row: it has `conversations` and no `messages`. */
export function isShareGpt(r: DatasetRecord): boolean {
  return has(r, SHAREGPT_FIELD) && !has(r, "messages");
}

function wrongType(field: string, expected: string, v: unknown): RowProblem {
  const got = typeName(v);
  return { kind: "wrong_type", field, message: `field "${field}" must be ${expected}, got ${got}`, expected, got };
}

/**
 * The chat record of a ShareGPT row, or the first problem with it (field paths name the ShareGPT fields, e.g.
 * `conversations[2].from`, since that is what the uploaded file holds).
 */
export function shareGptToChat(r: DatasetRecord): { record: DatasetRecord } | { problem: RowProblem } {
  const turns = r[SHAREGPT_FIELD];
  if (!Array.isArray(turns)) return { problem: wrongType(SHAREGPT_FIELD, "an array", turns) };
  if (turns.length === 0) {
    return {
      problem: { kind: "invalid_value", field: SHAREGPT_FIELD, message: `field "${SHAREGPT_FIELD}" must not be empty` },
    };
  }
  const messages: { role: string; content: string }[] = [];
  if (has(r, "system") && r.system !== null && r.system !== "") {
    if (typeof r.system !== "string") return { problem: wrongType("system", "a string", r.system) };
    messages.push({ role: "system", content: r.system });
  }
  for (let i = 0; i < turns.length; i++) {
    const t: unknown = turns[i];
    const at = `${SHAREGPT_FIELD}[${i}]`;
    if (typeof t !== "object" || t === null || Array.isArray(t)) return { problem: wrongType(at, "an object", t) };
    const turn = t as DatasetRecord;
    const roleKey = has(turn, "from") ? "from" : has(turn, "role") ? "role" : null;
    if (!roleKey) {
      return { problem: { kind: "missing_field", field: `${at}.from`, message: `field "${at}.from" is missing` } };
    }
    const from = turn[roleKey];
    if (typeof from !== "string") return { problem: wrongType(`${at}.${roleKey}`, "a string", from) };
    const role = ROLE_OF[from];
    if (!role) {
      return {
        problem: {
          kind: "invalid_value",
          field: `${at}.${roleKey}`,
          message:
            `field "${at}.${roleKey}" must be one of ${SHAREGPT_ROLES.map((x) => `"${x}"`).join(", ")}, got ${JSON.stringify(from.slice(0, 40))}` +
            (from === "function_call" || from === "observation" ? " (tool calls are not supported)" : ""),
          expected: SHAREGPT_ROLES.join("|"),
          got: from.slice(0, 40),
        },
      };
    }
    const valueKey = has(turn, "value") ? "value" : has(turn, "content") ? "content" : null;
    if (!valueKey) {
      return { problem: { kind: "missing_field", field: `${at}.value`, message: `field "${at}.value" is missing` } };
    }
    const value = turn[valueKey];
    if (typeof value !== "string") return { problem: wrongType(`${at}.${valueKey}`, "a string", value) };
    messages.push({ role, content: value });
  }
  if (!messages.some((m) => m.role === "assistant")) {
    return {
      problem: {
        kind: "invalid_value",
        field: SHAREGPT_FIELD,
        message: `field "${SHAREGPT_FIELD}" must contain at least one "gpt" (assistant) turn`,
      },
    };
  }
  const { [SHAREGPT_FIELD]: _turns, system: _system, ...rest } = r;
  return { record: { messages, ...rest } };
}
