/** Dataset formats the platform detects and the runner reads. */
export const DATASET_FORMATS = ["chat", "prompt_completion", "alpaca", "text", "classification", "preference"] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export const DATASET_FORMAT_LABELS: Record<DatasetFormat, string> = {
  chat: "OpenAI chat (messages)",
  prompt_completion: "Prompt / completion",
  alpaca: "Alpaca (instruction / input / output)",
  text: "Raw text (continued pre-training)",
  classification: "Classification (text + label)",
  preference: "Preference pairs (prompt / chosen / rejected)",
};

/** Which techniques can train on which formats. */
export const FORMATS_FOR_TECHNIQUE = {
  sft: ["chat", "prompt_completion", "alpaca"],
  continued_pretraining: ["text"],
  classification: ["classification"],
  preference: ["preference"],
} as const satisfies Record<string, readonly DatasetFormat[]>;

/** Container files a dataset arrives in. */
export const DATASET_CONTAINERS = ["jsonl", "csv", "tsv"] as const;
export type DatasetContainer = (typeof DATASET_CONTAINERS)[number];
