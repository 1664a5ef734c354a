/** What the readiness report of a dataset version holds; stored as DatasetVersion.readiness (JSON). */

export const CHECK_SEVERITIES = ["ok", "info", "warning", "blocker"] as const;
export type CheckSeverity = (typeof CHECK_SEVERITIES)[number];

export const READINESS_VERDICTS = ["ready", "needs_attention", "blocked"] as const;
export type ReadinessVerdict = (typeof READINESS_VERDICTS)[number];

export const READINESS_VERDICT_LABELS: Record<ReadinessVerdict, string> = {
  ready: "Ready",
  needs_attention: "Needs attention",
  blocked: "Blocked",
};

export const READINESS_CHECK_IDS = [
  "exact_duplicates",
  "near_duplicates",
  "personal_data",
  "empty_answers",
  "empty_rows",
  "too_few_examples",
  "class_imbalance",
  "label_conflicts",
  "label_typos",
  "system_prompt",
  "language_mix",
  // computed for a job (base model, splits, other datasets), not stored with the version:
  "token_length",
  "split_leakage",
  "cross_dataset_duplicates",
  "validation_set_leakage",
] as const;
export type ReadinessCheckId = (typeof READINESS_CHECK_IDS)[number];

/** One example of a problem. Values and texts are masked: no personal data in clear. */
export interface ReadinessExample {
  /** 1-based line of the row in the file. */
  line?: number;
  /** The line of the row it duplicates or contradicts. */
  otherLine?: number;
  /** The other dataset (cross-dataset duplicates). */
  otherDataset?: string;
  field?: string;
  /** personal_data: which kind, and the value masked. */
  kind?: string;
  value?: string;
  /** A short excerpt of the row, with any personal data replaced by placeholders. */
  text?: string;
  similarity?: number;
  labels?: string[];
}

export interface ReadinessCheck {
  id: ReadinessCheckId;
  title: string;
  severity: CheckSeverity;
  /** Rows (or labels, pairs) concerned; 0 when the check passed. */
  count: number;
  /** One sentence: what was found. */
  summary: string;
  /** What to do about it, in plain words (empty when nothing is needed). */
  action: string;
  examples: ReadinessExample[];
  /** Check-specific figures (per-kind counts, ratio, languages…). */
  details?: Record<string, unknown>;
  /** True when the count is an estimate (sampled, or above a tracking limit). */
  estimate?: boolean;
}

export interface ReadinessSettings {
  /** Rows at least this similar (estimated Jaccard of character 5-grams) are near duplicates. 0.7 … 1. */
  nearDuplicateThreshold: number;
  /** Examples kept per check (per kind for personal data). */
  maxExamples: number;
}

/** Characters per row, in log-spaced buckets: what token estimates are made from when the tokenizer is not run. */
export interface ReadinessLengths {
  /** Bucket lower edges, in characters. */
  edges: number[];
  /** Rows by characters of the whole trainable text (every message, prompt + answer…). */
  total: number[];
  /** Rows by characters before the first answer starts (SFT); empty for other formats. */
  prompt: number[];
}

export interface DatasetReadiness {
  reportVersion: 1;
  verdict: ReadinessVerdict;
  /** One line that says why. */
  reason: string;
  checks: ReadinessCheck[];
  settings: ReadinessSettings;
  rows: number;
  lengths: ReadinessLengths;
  /** Rows remembered by the near-duplicate index (all of them unless the file is past the tracking limit). */
  nearDuplicateRowsTracked: number;
}

/** Why a row of a version is left out of its cleaned version. */
export const DROP_REASONS = ["exact_duplicate", "near_duplicate", "label_conflict"] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** What a derived version records about how it was made: cleaned, or augmented. */
export type DatasetDerivation = CleanedDerivation | AugmentedDerivation;

/** A version with rows added by an augmentation (the source's rows first, in order, then the new rows). */
export interface AugmentedDerivation {
  kind: "augmented";
  sourceVersionId: string;
  sourceVersion: number;
  augmentationId: string;
  method: string;
  rowsBefore: number;
  /** New rows kept, by how they were made (word_dropout, word_swap, paraphrase, new_text_for_label). */
  added: Record<string, number>;
  /** New rows the runner made that were dropped here as near duplicates of a row already in the version. */
  droppedNearDuplicates: number;
  rowsAfter: number;
}

export interface CleanedDerivation {
  kind: "cleaned";
  sourceVersionId: string;
  sourceVersion: number;
  settings: ReadinessSettings;
  /** Rows of the source left out, by reason, with up to 100 of their source lines each. */
  removed: { reason: DropReason; rows: number; lines: number[] }[];
  /** Personal data replaced by placeholders ([EMAIL], [CARD_NUMBER]…), by kind. */
  masked: Record<string, number>;
  rowsBefore: number;
  rowsAfter: number;
}
