/**
 * For a row whose fields match no format: the formats it could be under other field names, and the fields missing.
 * Common names from public datasets (Dolly's "response", Q&A sets' "question"/"answer", "query"/"response"…) are
 * mapped to the fields the platform reads, so the error says what to rename rather than only what is expected.
 */
const ALIASES: { names: string[]; field: string }[] = [
  { names: ["question", "query", "input_text", "source", "context_question", "human", "user"], field: "prompt" },
  { names: ["answer", "response", "target", "output_text", "reply", "gpt", "assistant"], field: "completion" },
  { names: ["conversation", "dialog", "dialogue", "turns", "chat"], field: "messages" },
  { names: ["content", "document", "body", "article", "passage", "sentence"], field: "text" },
  { names: ["category", "class", "labels", "sentiment", "topic", "intent"], field: "label" },
];

const SHAPES: { name: string; fields: string[] }[] = [
  { name: "prompt/completion", fields: ["prompt", "completion"] },
  { name: "chat", fields: ["messages"] },
  { name: "classification", fields: ["text", "label"] },
  { name: "raw text", fields: ["text"] },
];

/** ` — it could be …` for the row's field names, or "" when nothing fits. */
export function shapeHint(keys: string[]): string {
  const renames = new Map<string, string>(); // field the platform reads → the row's field
  for (const k of keys) {
    const alias = ALIASES.find((a) => a.names.includes(k.toLowerCase()));
    if (alias && !renames.has(alias.field)) renames.set(alias.field, k);
  }
  if (renames.size === 0) return "";
  const fits = SHAPES.filter((s) => s.fields.some((f) => renames.has(f)));
  const best = fits.sort(
    (a, b) => b.fields.filter((f) => renames.has(f)).length - a.fields.filter((f) => renames.has(f)).length,
  )[0]!;
  const rename = best.fields
    .filter((f) => renames.has(f))
    .map((f) => `"${renames.get(f)}" → "${f}"`)
    .join(", ");
  const missing = best.fields.filter((f) => !renames.has(f)).map((f) => `"${f}"`);
  return (
    ` — it could be ${best.name}: rename ${rename}` +
    (missing.length ? `; field ${missing.join(" and ")} is missing` : "")
  );
}
