/**
 * Readiness checks that depend on the job, not only on the version: lengths in the chosen base model's tokens
 * against maxSeqLength, duplicates that will straddle the train/validation/test split, and duplicates between the
 * datasets of one job.
 */
import { verdictOf } from "./checks";
import type { DatasetReadiness, ReadinessCheck, ReadinessExample, ReadinessLengths } from "./readiness-types";

const fmt = (n: number) => n.toLocaleString("en-US");
const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(n / d < 0.01 ? 2 : 1)}%` : "0%");

/** Token counts of one version for one tokenizer and maxSeqLength. */
export interface TokenCounts {
  /** exact: the model's tokenizer ran on every row; estimate: character lengths ÷ charsPerToken. */
  method: "exact" | "estimate";
  /** How the estimate's ratio was obtained. */
  basis: string;
  charsPerToken: number | null;
  rows: number;
  /** Rows longer than maxSeqLength tokens. */
  truncated: number;
  /** SFT rows whose answer starts at or after maxSeqLength: no answer token is left, the row is dropped. */
  answersCut: number;
  maxTokens: number;
  maxSeqLength: number;
}

function rowsAbove(hist: number[], edges: number[], chars: number): number {
  let n = 0;
  for (let i = 0; i < hist.length; i++) {
    const lo = edges[i]!;
    const hi = edges[i + 1] ?? lo * 1.08;
    if (lo >= chars) n += hist[i]!;
    else if (hi > chars) n += (hist[i]! * (hi - chars)) / (hi - lo); // part of the bucket, assuming even spread
  }
  return Math.round(n);
}

/** Token counts estimated from the character-length histograms stored with the readiness report. */
export function estimateTokenCounts(
  lengths: ReadinessLengths,
  rows: number,
  maxSeqLength: number,
  charsPerToken: number,
  basis: string,
): TokenCounts {
  const limit = maxSeqLength * charsPerToken;
  let maxChars = 0;
  lengths.total.forEach((c, i) => {
    if (c > 0) maxChars = lengths.edges[i + 1] ?? lengths.edges[i]!;
  });
  return {
    method: "estimate",
    basis,
    charsPerToken,
    rows,
    truncated: rowsAbove(lengths.total, lengths.edges, limit),
    answersCut: lengths.prompt.length ? rowsAbove(lengths.prompt, lengths.edges, limit) : 0,
    maxTokens: Math.round(maxChars / charsPerToken),
    maxSeqLength,
  };
}

export function tokenLengthCheck(
  c: TokenCounts,
  technique: string,
  model: { name: string; contextLength: number | null },
): ReadinessCheck {
  const est = c.method === "estimate";
  const approx = est ? "about " : "";
  const examples: ReadinessExample[] = [];
  const over = model.contextLength && c.maxSeqLength > model.contextLength;
  let severity: ReadinessCheck["severity"] = "ok";
  let summary: string;
  let action = "";
  if (technique === "continued_pretraining") {
    severity = c.truncated ? "info" : "ok";
    summary = c.truncated
      ? `${approx}${fmt(c.truncated)} rows are longer than ${fmt(c.maxSeqLength)} tokens; packing splits them into several sequences, nothing is lost.`
      : `Every row fits in ${fmt(c.maxSeqLength)} tokens.`;
  } else {
    const cut = c.answersCut;
    severity =
      cut / Math.max(1, c.rows) >= 0.5
        ? "warning"
        : cut > 0 || c.truncated / Math.max(1, c.rows) >= 0.1
          ? "warning"
          : c.truncated
            ? "info"
            : "ok";
    summary =
      c.truncated === 0
        ? `Every row fits in maxSeqLength = ${fmt(c.maxSeqLength)} tokens of ${model.name} (longest ${approx}${fmt(c.maxTokens)}).`
        : `${approx}${fmt(c.truncated)} rows (${pct(c.truncated, c.rows)}) are longer than ${fmt(c.maxSeqLength)} tokens and will be cut` +
          (technique === "sft"
            ? `; in ${approx}${fmt(cut)} of them the answer is cut entirely, so they are dropped.`
            : "; the classifier only reads their beginning.");
    if (c.truncated) {
      action =
        technique === "sft"
          ? `Raise maxSeqLength (the longest row is ${approx}${fmt(c.maxTokens)} tokens${model.contextLength ? `; the model reads up to ${fmt(model.contextLength)}` : ""}), or shorten the prompts: what is cut is not learnt.`
          : "Raise maxSeqLength or put what decides the label at the start of the text.";
    }
  }
  if (over) {
    severity = severity === "ok" || severity === "info" ? "warning" : severity;
    summary = `${summary} maxSeqLength ${fmt(c.maxSeqLength)} is more than ${model.name}'s context of ${fmt(model.contextLength!)} tokens.`;
    action = `${action} Lower maxSeqLength to at most ${fmt(model.contextLength!)}.`.trim();
  }
  return {
    id: "token_length",
    title: est ? "Length in tokens (estimate)" : "Length in tokens",
    severity,
    count: c.truncated,
    summary,
    action,
    examples,
    details: { ...c, model: model.name },
    estimate: est || undefined,
  };
}

/**
 * Duplicates of a version that will end up on both sides of the job's split. The runner shuffles with the job's
 * seed, so which pairs straddle is only known there; the expected number is pairs × P(the two copies land in
 * different parts) = pairs × (1 − Σ share²).
 */
export function splitLeakageCheck(
  readiness: DatasetReadiness,
  split: { validationSplit: number; testSplit: number },
): ReadinessCheck {
  const dup = (id: string) => readiness.checks.find((c) => c.id === id)?.count ?? 0;
  const pairs = dup("exact_duplicates") + dup("near_duplicates");
  const t = split.testSplit;
  const v = (1 - t) * split.validationSplit;
  const train = 1 - t - v;
  const pStraddle = 1 - (t * t + v * v + train * train);
  const expected = Math.round(pairs * pStraddle);
  const intoTest = Math.round(pairs * 2 * t * (1 - t));
  return {
    id: "split_leakage",
    title: "Leakage across the split (expected)",
    severity: expected === 0 ? "ok" : intoTest / Math.max(1, readiness.rows * t) >= 0.02 ? "warning" : "info",
    count: expected,
    summary: pairs
      ? `With ${Math.round(split.validationSplit * 100)}% validation and ${Math.round(t * 100)}% test, about ${fmt(expected)} of the ${fmt(pairs)} duplicate rows will have a copy on the other side of the split (${fmt(intoTest)} between training and test).`
      : "No duplicates, so nothing can leak between training and the held-out splits.",
    action: expected
      ? "A held-out row that was also trained on makes validation loss and the evaluation look better than they are. Train on the cleaned version."
      : "",
    examples: [],
    details: { duplicateRows: pairs, probability: Math.round(pStraddle * 1000) / 1000 },
    estimate: true,
  };
}

export interface CrossDatasetResult {
  dataset: string;
  otherDataset: string;
  rows: number;
  examples: { line: number; otherLine: number; similarity: number }[];
}

/** A check of rows of one dataset found in another (from their duplicate sketches), worded by `text`. */
function duplicatesBetweenCheck(
  text: { id: "cross_dataset_duplicates" | "validation_set_leakage"; title: string; none: string; action: string },
  results: CrossDatasetResult[],
  threshold: number,
  unchecked: string[],
): ReadinessCheck {
  const rows = results.reduce((s, r) => s + r.rows, 0);
  const found = results.filter((r) => r.rows > 0);
  const pct = Math.round(threshold * 100);
  return {
    id: text.id,
    title: text.title,
    severity: rows ? "warning" : "ok",
    count: rows,
    summary: rows
      ? found.map((r) => `${fmt(r.rows)} rows of "${r.dataset}" are in "${r.otherDataset}" too`).join("; ") +
        ` (${pct}% similar or more).`
      : text.none.replace("{pct}", String(pct)) +
        (unchecked.length ? ` Not checked: ${unchecked.join(", ")} (no duplicate sketch).` : ""),
    action: rows ? text.action : "",
    examples: found.flatMap((r) =>
      r.examples.map((e) => ({
        line: e.line,
        otherLine: e.otherLine,
        otherDataset: r.otherDataset,
        similarity: e.similarity,
      })),
    ),
  };
}

export const crossDatasetCheck = (results: CrossDatasetResult[], threshold: number, unchecked: string[]) =>
  duplicatesBetweenCheck(
    {
      id: "cross_dataset_duplicates",
      title: "Duplicates between the job's datasets",
      none: "No row of one dataset is {pct}% similar or more to a row of another.",
      action:
        "Rows in two datasets are trained twice as often as their weights say, and a row held out from one can be trained on through the other. Remove them from one dataset.",
    },
    results,
    threshold,
    unchecked,
  );

/**
 * Rows of the job's explicit validation set that are (near) duplicates of a training row: the validation loss, early
 * stopping and the best checkpoint would reward memorising them. `results`: one per training dataset, `dataset` being
 * the validation set and `otherDataset` the training dataset.
 */
export const validationLeakageCheck = (results: CrossDatasetResult[], threshold: number, unchecked: string[]) =>
  duplicatesBetweenCheck(
    {
      id: "validation_set_leakage",
      title: "Training rows in the validation set",
      none: "No row of the validation set is {pct}% similar or more to a training row.",
      action:
        "The model is validated on rows it trains on, so the validation loss, early stopping and the best checkpoint " +
        "reward memorising them. Remove them from the validation set (or from the training data).",
    },
    results,
    threshold,
    unchecked,
  );

export { verdictOf };
