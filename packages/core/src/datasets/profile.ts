import type { DatasetContainer, DatasetFormat } from "../dataset-format";
import type { DatasetProfile } from "./profile-types";
import type { DatasetRecord } from "./formats";
import { Hash64, Hash64Set } from "./hash-set";
import { ReadinessAccumulator, type ReadinessAccumulatorOptions } from "./readiness/readiness";
import { redactPii } from "./readiness/pii";
import { preferencePair } from "./preference";

/**
 * Bucket edges of the length histogram, in characters; the last bucket is open-ended. A 1–1.5–2–3–5–7.5 series:
 * fine enough that a dataset of similar rows still shows a shape, fixed so that counts stay exact in one pass.
 */
export const LENGTH_BUCKET_EDGES = [
  0, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 20_000, 50_000,
  100_000,
] as const;
/** Lengths kept for the percentiles (reservoir sampling): exact up to this many rows, an estimate above. */
export const LENGTH_RESERVOIR_SIZE = 10_000;
/**
 * Distinct rows remembered for duplicate detection: 4,194,304 (a table of 8-byte hashes, at most 64 MiB).
 * Past it, later rows are still compared with the rows remembered, but not remembered themselves.
 */
export const DUPLICATE_TRACKING_LIMIT = 4_194_304;
export const SAMPLE_ROWS = 20;
export const SAMPLE_STRING_CHARS = 300;
const MAX_FIELDS = 100;
const MAX_LABELS = 1_000;
/** Labels past the first MAX_LABELS distinct ones are counted under this key. */
export const OTHER_LABELS = "(other)";

/** Copies a value for the preview: strings over SAMPLE_STRING_CHARS cut with "…", arrays to 20 items, depth 6. */
export function truncateForSample(v: unknown, depth = 0): unknown {
  // Personal data in the preview is replaced by placeholders ([EMAIL]…): the profile is stored and shown.
  if (typeof v === "string") {
    const s = redactPii(v.length > SAMPLE_STRING_CHARS ? v.slice(0, SAMPLE_STRING_CHARS) : v);
    return v.length > SAMPLE_STRING_CHARS ? `${s}…` : s;
  }
  if (v === null || typeof v !== "object") return v;
  if (depth >= 6) return Array.isArray(v) ? "[…]" : "{…}";
  if (Array.isArray(v)) return v.slice(0, 20).map((x) => truncateForSample(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = truncateForSample(x, depth + 1);
  return out;
}

/** Small deterministic PRNG (xorshift32) so a profile is reproducible for the same file. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/**
 * Builds a `DatasetProfile` from records fed one at a time, in memory bounded independently of the row count
 * (except the duplicate table, bounded by DUPLICATE_TRACKING_LIMIT). Records must already be valid for `format`.
 *
 * Lengths are of the trainable text (chat: every message content; prompt + completion; instruction + input +
 * output; text; preference: the prompt and both answers), counted in UTF-16 code units (= characters outside rare astral symbols). A row is empty when
 * all its trainable text is whitespace. Duplicates compare the normalized record: the format's own fields only,
 * in a fixed order, strings trimmed (extra fields such as ids do not make rows distinct).
 */
export class ProfileAccumulator {
  private rows = 0;
  private emptyRows = 0;
  private duplicateRows = 0;
  private readonly seen = new Hash64Set(DUPLICATE_TRACKING_LIMIT);
  private readonly fields = new Set<string>();
  private readonly histogram = new Array<number>(LENGTH_BUCKET_EDGES.length).fill(0);
  private min = Infinity;
  private max = 0;
  private totalChars = 0;
  private readonly reservoir = new Float64Array(LENGTH_RESERVOIR_SIZE);
  private readonly random = xorshift(0x5eed);
  private readonly labels = new Map<string, number>();
  private readonly sample: Record<string, unknown>[] = [];
  /** Preference pairs: characters of the chosen and rejected answers, pairs whose chosen answer is the longer. */
  private chosenChars = 0;
  private rejectedChars = 0;
  private chosenLonger = 0;

  // per-row scratch, written by piece()
  private len = 0;
  private nonEmpty = false;
  private hash = new Hash64();

  /** The readiness checks that ride on this pass (null when turned off). */
  readonly readiness: ReadinessAccumulator | null;

  constructor(
    readonly format: DatasetFormat,
    readonly container: DatasetContainer,
    readiness: ReadinessAccumulatorOptions | false = {},
  ) {
    this.readiness = readiness === false ? null : new ReadinessAccumulator(format, readiness);
  }

  private piece(s: string): void {
    this.len += s.length;
    const t = s.trim();
    if (t.length > 0) this.nonEmpty = true;
    this.hash.update(t);
  }

  /** One valid record; `line` (1-based, in the file) names it in the readiness examples. */
  add(r: DatasetRecord, line = this.rows + 1): void {
    this.len = 0;
    this.nonEmpty = false;
    this.hash = new Hash64();
    switch (this.format) {
      case "chat":
        for (const m of r.messages as { role: string; content: string }[]) {
          this.hash.update(m.role);
          this.piece(m.content);
        }
        break;
      case "prompt_completion":
        this.piece(r.prompt as string);
        this.piece(r.completion as string);
        break;
      case "alpaca":
        this.piece(r.instruction as string);
        this.piece(typeof r.input === "string" ? r.input : "");
        this.piece(r.output as string);
        break;
      case "text":
        this.piece(r.text as string);
        break;
      case "classification": {
        this.piece(r.text as string);
        const label = String(r.label).trim();
        this.hash.update(label);
        if (this.labels.has(label) || this.labels.size < MAX_LABELS)
          this.labels.set(label, (this.labels.get(label) ?? 0) + 1);
        else this.labels.set(OTHER_LABELS, (this.labels.get(OTHER_LABELS) ?? 0) + 1);
        break;
      }
      case "preference": {
        const pair = preferencePair(r);
        const answer = (side: { role: string; content: string }[]) => {
          const start = this.len;
          for (const m of side) {
            this.hash.update(m.role);
            this.piece(m.content);
          }
          return this.len - start;
        };
        answer(pair.prompt);
        this.hash.update("chosen:");
        const chosen = answer(pair.chosen);
        this.hash.update("rejected:");
        const rejected = answer(pair.rejected);
        this.chosenChars += chosen;
        this.rejectedChars += rejected;
        if (chosen > rejected) this.chosenLonger++;
        break;
      }
    }
    const [h1, h2] = this.hash.digest();
    const duplicate = this.seen.add(h1, h2);
    if (duplicate) this.duplicateRows++;
    this.readiness?.add(r, line, duplicate);
    if (!this.nonEmpty) this.emptyRows++;

    if (this.fields.size < MAX_FIELDS) for (const k in r) this.fields.add(k);

    const len = this.len;
    let b = LENGTH_BUCKET_EDGES.length - 1;
    while (len < LENGTH_BUCKET_EDGES[b]!) b--;
    this.histogram[b]!++;
    if (len < this.min) this.min = len;
    if (len > this.max) this.max = len;
    this.totalChars += len;
    // Algorithm R: every row has the same chance to be in the reservoir.
    if (this.rows < LENGTH_RESERVOIR_SIZE) this.reservoir[this.rows] = len;
    else {
      const j = Math.floor(this.random() * (this.rows + 1));
      if (j < LENGTH_RESERVOIR_SIZE) this.reservoir[j] = len;
    }
    if (this.sample.length < SAMPLE_ROWS) this.sample.push(truncateForSample(r) as Record<string, unknown>);
    this.rows++;
  }

  get rowCount(): number {
    return this.rows;
  }

  finish(): DatasetProfile {
    const n = this.rows;
    const kept = this.reservoir.slice(0, Math.min(n, LENGTH_RESERVOIR_SIZE)).sort();
    const pct = (p: number) => (kept.length ? kept[Math.min(kept.length - 1, Math.ceil(p * kept.length) - 1)]! : 0);
    const last = LENGTH_BUCKET_EDGES.length - 1;
    return {
      format: this.format,
      container: this.container,
      rows: n,
      emptyRows: this.emptyRows,
      duplicateRows: this.duplicateRows,
      fields: [...this.fields].sort(),
      lengthHistogram: LENGTH_BUCKET_EDGES.map((start, i) => ({
        start,
        // the open-ended last bucket ends after the longest row
        end: i < last ? LENGTH_BUCKET_EDGES[i + 1]! : Math.max(this.max + 1, start * 2),
        count: this.histogram[i]!,
      })),
      lengthStats: {
        min: n ? this.min : 0,
        max: this.max,
        mean: n ? Math.round((this.totalChars / n) * 100) / 100 : 0,
        p50: pct(0.5),
        p95: pct(0.95),
      },
      approxTokens: Math.round(this.totalChars / 4),
      labels:
        this.format === "classification" ? Object.fromEntries([...this.labels].sort((a, b) => b[1] - a[1])) : null,
      sample: this.sample,
      totalChars: this.totalChars,
      lengthStatsExact: n <= LENGTH_RESERVOIR_SIZE,
      duplicatesExact: !this.seen.full,
      ...(this.format === "preference"
        ? {
            preference: {
              chosenMeanChars: n ? Math.round((this.chosenChars / n) * 100) / 100 : 0,
              rejectedMeanChars: n ? Math.round((this.rejectedChars / n) * 100) / 100 : 0,
              chosenLongerShare: n ? Math.round((this.chosenLonger / n) * 10_000) / 10_000 : 0,
            },
          }
        : {}),
    };
  }
}
