import type { DatasetContainer, DatasetFormat } from "../dataset-format";

/** What the dataset page shows; stored as DatasetVersion.profile (JSON). */
export interface DatasetProfile {
  format: DatasetFormat;
  container: DatasetContainer;
  rows: number;
  /** Rows whose trainable text is empty (after trimming). */
  emptyRows: number;
  /** Rows identical to an earlier row (exact match of the normalized record). */
  duplicateRows: number;
  /** Field names seen in the records. */
  fields: string[];
  /** Characters per row (trainable text), in buckets. */
  lengthHistogram: { start: number; end: number; count: number }[];
  lengthStats: { min: number; max: number; mean: number; p50: number; p95: number };
  /** Rough token count (characters / 4), for the estimator. */
  approxTokens: number;
  /** Classification only: label → count. */
  labels: Record<string, number> | null;
  /** The first rows as parsed, for the preview table (at most 20, long strings cut). */
  sample: Record<string, unknown>[];
  /** Characters of trainable text in all rows (approxTokens is this / 4). */
  totalChars: number;
  /** False when p50/p95 are estimated from a sample of the row lengths (more rows than the reservoir holds). */
  lengthStatsExact: boolean;
  /** False when the file had more distinct rows than the duplicate detector remembers (duplicateRows is then a lower bound). */
  duplicatesExact: boolean;
}
