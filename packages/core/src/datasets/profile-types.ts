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
  /**
   * The upload, when it was converted to JSON Lines at upload (a JSON array, Parquet or plain-text file, ShareGPT
   * rows): its own name, container, row layout, size and sha256. The version's filename, bytes and sha256 are then
   * those of the stored JSON Lines file, which is what the runner reads. Absent when the upload is stored as is.
   */
  source?: {
    filename: string;
    container: "jsonl" | "csv" | "tsv" | "json" | "parquet" | "txt";
    format: "sharegpt" | null;
    bytes: number;
    sha256: string;
  };
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
  /**
   * Preference pairs only: mean characters of the chosen and of the rejected answers, and the share of pairs whose
   * chosen answer is the longer one (DPO learns "longer is better" when that share is far from one half).
   */
  preference?: { chosenMeanChars: number; rejectedMeanChars: number; chosenLongerShare: number };
}
