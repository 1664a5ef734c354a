/**
 * The Ollama Modelfile in the archive. Ollama imports Hugging Face safetensors folders (`FROM <folder>`) and LoRA
 * adapters in safetensors on top of their base (`ADAPTER <folder>`, for the architectures Ollama supports: Llama,
 * Mistral, Gemma…); it cannot fetch a Hugging Face Hub id itself, so an adapter's Modelfile points FROM at a local
 * copy of the base and says how to get it. Classification models have no Modelfile: Ollama serves generation only.
 */

export interface ModelfileInput {
  /** adapter | model | merged_model */
  kind: string;
  jobId: string;
  jobName: string;
  /** The root base model (an earlier job's output is followed to the model it started from). */
  base: { name: string; source: string; ref: string; revision: string | null };
}

/** The Modelfile text, or null for a kind Ollama cannot serve. */
export function renderModelfile(m: ModelfileInput): string {
  const head = [
    `# Ollama Modelfile for "${m.jobName}" (Whetstone job ${m.jobId}).`,
    "# In the unpacked folder: ollama create <name> -f Modelfile && ollama run <name>",
  ];
  if (m.kind !== "adapter") {
    return [
      ...head,
      "# The weights in this folder (Hugging Face safetensors); Ollama reads the chat template from",
      "# tokenizer_config.json.",
      "FROM .",
      "",
    ].join("\n");
  }
  const from = m.base.source === "local" ? m.base.ref : "./base";
  const fetch =
    m.base.source === "huggingface"
      ? [
          `# Ollama needs the base model's weights on disk: download ${m.base.ref}${m.base.revision ? ` (revision ${m.base.revision})` : ""} first,`,
          `#   huggingface-cli download ${m.base.ref}${m.base.revision ? ` --revision ${m.base.revision}` : ""} --local-dir ./base`,
          "# or point FROM at an Ollama model built from exactly these weights.",
        ]
      : m.base.source === "local"
        ? [`# The base model "${m.base.name}" is the folder below on the training host; copy it or change the path.`]
        : [`# Point FROM at the base model "${m.base.name}" (${m.base.ref}).`];
  return [
    ...head,
    `# The LoRA adapter in this folder, applied to its base model "${m.base.name}".`,
    ...fetch,
    `FROM ${from}`,
    "ADAPTER .",
    "",
  ].join("\n");
}
