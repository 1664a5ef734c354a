/**
 * The cleaner's row transform: a copy of a record with the personal data in its trainable text replaced by
 * placeholders ([EMAIL], [CARD_NUMBER]…), and what was replaced, by kind.
 */
import type { DatasetFormat } from "../../dataset-format";
import type { DatasetRecord } from "../formats";
import { findPii, redactPii, type PiiKind } from "./pii";

function redact(text: unknown, found: Partial<Record<PiiKind, number>>): unknown {
  if (typeof text !== "string" || text.length < 6) return text;
  const m = findPii(text);
  if (m.length === 0) return text;
  for (const x of m) found[x.kind] = (found[x.kind] ?? 0) + 1;
  return redactPii(text, m);
}

export function redactRecord(
  format: DatasetFormat,
  r: DatasetRecord,
): { record: DatasetRecord; found: Partial<Record<PiiKind, number>> } {
  const found: Partial<Record<PiiKind, number>> = {};
  const out: DatasetRecord = { ...r };
  switch (format) {
    case "chat":
      out.messages = (r.messages as { role: string; content: string }[]).map((m) => ({
        ...m,
        content: redact(m.content, found) as string,
      }));
      break;
    case "prompt_completion":
      out.prompt = redact(r.prompt, found);
      out.completion = redact(r.completion, found);
      break;
    case "alpaca":
      out.instruction = redact(r.instruction, found);
      if (typeof r.input === "string") out.input = redact(r.input, found);
      out.output = redact(r.output, found);
      break;
    case "text":
    case "classification":
      out.text = redact(r.text, found);
      break;
    case "preference": {
      // Either shape: strings, or message lists (OpenAI's input.messages and outputs).
      const side = (v: unknown) =>
        Array.isArray(v)
          ? v.map((m: { role: string; content: string }) => ({ ...m, content: redact(m.content, found) as string }))
          : redact(v, found);
      for (const k of ["prompt", "chosen", "rejected", "preferred_output", "non_preferred_output"]) {
        if (k in r) out[k] = side(r[k]);
      }
      if (r.input && typeof r.input === "object") {
        const input = r.input as { messages?: unknown };
        out.input = { ...input, messages: side(input.messages) };
      }
      break;
    }
  }
  return { record: out, found };
}
