/**
 * The readiness accumulator: fed every row by the profile's pass over the file (ProfileAccumulator.add), it finds
 * near duplicates, label conflicts, personal data, empty answers, a repeated system prompt and the lengths the token
 * check needs, in memory bounded independently of the file size (bounded examples; sketches, not texts).
 * `finish` adds the checks that need the whole file (labels, language mix, too few examples) and the verdict.
 */
import type { DatasetFormat } from "../../dataset-format";
import type { DatasetRecord } from "../formats";
import { preferencePair } from "../preference";
import { Hash64, Hash64Set } from "../hash-set";
import type { DatasetProfile } from "../profile-types";
import { bandKeys, fingerprint, LshIndex, MINHASH_BINS, MinHasher, LSH_BANDS } from "./minhash";
import { findPii, maskPiiValue, PII_KINDS, redactPii, type PiiKind } from "./pii";
import { finishChecks } from "./checks";
import type {
  DatasetReadiness,
  DropReason,
  ReadinessExample,
  ReadinessLengths,
  ReadinessSettings,
} from "./readiness-types";

export const DEFAULT_NEAR_DUPLICATE_THRESHOLD = 0.8;
export const MIN_NEAR_DUPLICATE_THRESHOLD = 0.7;
export const DEFAULT_READINESS_EXAMPLES = 5;
export const MAX_READINESS_EXAMPLES = 20;
/** Rows remembered by the near-duplicate index (≈ 350 bytes each, ≈ 35 MiB at the limit). */
export const NEAR_DUPLICATE_TRACKING_LIMIT = 100_000;
/** Texts kept (first 300 characters) for language identification. */
const LANGUAGE_SAMPLE = 200;
const EXCERPT_CHARS = 140;

/** Log-spaced character buckets (≈ 8% wide) from 0 to 2M characters, for token estimates. */
export const LENGTH_EDGES: number[] = (() => {
  const e = [0];
  let x = 16;
  while (x < 2_000_000) {
    e.push(Math.round(x));
    x *= 1.08;
  }
  return e;
})();

/** A setting out of range: the caller turns it into a 400 naming the field. */
export class ReadinessSettingsError extends Error {
  constructor(
    readonly field: keyof ReadinessSettings,
    message: string,
  ) {
    super(message);
    this.name = "ReadinessSettingsError";
  }
}

export function resolveReadinessSettings(s: Partial<ReadinessSettings> = {}): ReadinessSettings {
  const t = s.nearDuplicateThreshold ?? DEFAULT_NEAR_DUPLICATE_THRESHOLD;
  if (typeof t !== "number" || !Number.isFinite(t) || t < MIN_NEAR_DUPLICATE_THRESHOLD || t > 1) {
    throw new ReadinessSettingsError(
      "nearDuplicateThreshold",
      `nearDuplicateThreshold must be a number from ${MIN_NEAR_DUPLICATE_THRESHOLD} to 1 (the estimated share of ` +
        `shared 5-character shingles above which two rows count as near duplicates), got ${String(t)}`,
    );
  }
  const n = s.maxExamples ?? DEFAULT_READINESS_EXAMPLES;
  if (!Number.isInteger(n) || n < 1 || n > MAX_READINESS_EXAMPLES) {
    throw new ReadinessSettingsError(
      "maxExamples",
      `maxExamples must be an integer from 1 to ${MAX_READINESS_EXAMPLES}, got ${String(n)}`,
    );
  }
  return { nearDuplicateThreshold: t, maxExamples: n };
}

/** The parts of one row the checks look at. */
interface RowView {
  /** Trainable texts with their field (a name, or the message index of a chat row: see fieldName). */
  fields: { field: string | number; text: string }[];
  /** Characters before the first answer (SFT formats), else -1. */
  promptChars: number;
  totalChars: number;
  /** SFT formats: an answer is empty or whitespace. */
  emptyAnswer: boolean;
  system: string | null;
  label: string | null;
}

/** The field path of a RowView field: "messages[1].content" for a chat message, else the name. */
export const fieldName = (f: string | number) => (typeof f === "number" ? `messages[${f}].content` : f);

export function rowView(format: DatasetFormat, r: DatasetRecord): RowView {
  const fields: { field: string | number; text: string }[] = [];
  let promptChars = -1;
  let total = 0;
  let emptyAnswer = false;
  let system: string | null = null;
  let label: string | null = null;
  switch (format) {
    case "chat": {
      const msgs = r.messages as { role: string; content: string }[];
      for (let i = 0; i < msgs.length; i++) {
        const m = msgs[i]!;
        if (m.role === "assistant") {
          if (promptChars < 0) promptChars = total;
          if (m.content.trim() === "") emptyAnswer = true;
        } else if (m.role === "system" && i === 0) system = m.content;
        fields.push({ field: i, text: m.content });
        total += m.content.length;
      }
      break;
    }
    case "prompt_completion":
      fields.push({ field: "prompt", text: r.prompt as string }, { field: "completion", text: r.completion as string });
      promptChars = (r.prompt as string).length;
      total = promptChars + (r.completion as string).length;
      emptyAnswer = (r.completion as string).trim() === "";
      break;
    case "alpaca": {
      const input = typeof r.input === "string" ? r.input : "";
      fields.push({ field: "instruction", text: r.instruction as string });
      if (input) fields.push({ field: "input", text: input });
      fields.push({ field: "output", text: r.output as string });
      promptChars = (r.instruction as string).length + input.length;
      total = promptChars + (r.output as string).length;
      emptyAnswer = (r.output as string).trim() === "";
      break;
    }
    case "text":
      fields.push({ field: "text", text: r.text as string });
      total = (r.text as string).length;
      break;
    case "classification":
      fields.push({ field: "text", text: r.text as string });
      total = (r.text as string).length;
      label = String(r.label).trim();
      break;
    case "preference": {
      // The prompt, then both answers; an empty answer on either side counts.
      const pair = preferencePair(r);
      pair.prompt.forEach((m, i) => {
        if (m.role === "system" && i === 0) system = m.content;
        fields.push({ field: `prompt[${i}].content`, text: m.content });
        total += m.content.length;
      });
      promptChars = total;
      for (const side of ["chosen", "rejected"] as const) {
        const answer = pair[side].map((m) => m.content).join("\n");
        fields.push({ field: side, text: answer });
        total += answer.length;
        if (answer.trim() === "") emptyAnswer = true;
      }
      break;
    }
  }
  return { fields, promptChars, totalChars: total, emptyAnswer, system, label };
}

/** A short excerpt of a row's text with personal data replaced by placeholders. */
export function excerpt(fields: { text: string }[]): string {
  let s = "";
  for (const f of fields) {
    if (s.length >= EXCERPT_CHARS * 2) break;
    const t = f.text.trim();
    if (t) s += (s ? " · " : "") + t.slice(0, EXCERPT_CHARS * 2);
  }
  s = redactPii(s.replace(/\s+/g, " "));
  return s.length > EXCERPT_CHARS ? `${s.slice(0, EXCERPT_CHARS)}…` : s;
}

function bucketOf(len: number): number {
  let lo = 0;
  let hi = LENGTH_EDGES.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (LENGTH_EDGES[mid]! <= len) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Counters and examples gathered row by row; the checks are built from them at the end (./checks.ts). */
export interface ReadinessTally {
  format: DatasetFormat;
  settings: ReadinessSettings;
  rows: number;
  exactDuplicates: number;
  exactExamples: ReadinessExample[];
  nearDuplicates: number;
  nearExamples: ReadinessExample[];
  conflicts: number;
  conflictExamples: ReadinessExample[];
  pii: Record<PiiKind, number>;
  piiRows: number;
  piiExamples: ReadinessExample[];
  emptyAnswers: number;
  emptyAnswerExamples: ReadinessExample[];
  systemRows: number;
  sameSystemRows: number;
  systemChars: number;
  distinctSystems: number;
  languageSample: string[];
  lengths: ReadinessLengths;
  tracked: number;
  trackingFull: boolean;
}

export interface ReadinessAccumulatorOptions extends Partial<ReadinessSettings> {
  /** Record, per row, whether the cleaned version drops it (cleaning runs a first pass with this on). */
  collectDrops?: boolean;
}

export class ReadinessAccumulator {
  readonly settings: ReadinessSettings;
  private readonly hasher = new MinHasher();
  private readonly keys = new Uint32Array(LSH_BANDS);
  private readonly fp = new Uint8Array(MINHASH_BINS);
  private readonly index = new LshIndex(NEAR_DUPLICATE_TRACKING_LIMIT);
  /** Per remembered row: its line, its row number and its label id. */
  private lineOf = new Uint32Array(1024);
  private rowOf = new Uint32Array(1024);
  private labelOf = new Int32Array(1024);
  private readonly labelIds = new Map<string, number>();
  private readonly labelNames: string[] = [];
  private readonly systems = new Hash64Set(1000);
  private firstSystem: [number, number] | null = null;
  private readonly random: () => number;
  private drops: Uint8Array | null;
  private readonly t: ReadinessTally;
  private readonly conflictPairs = new Set<number>();

  constructor(
    readonly format: DatasetFormat,
    opts: ReadinessAccumulatorOptions = {},
  ) {
    this.settings = resolveReadinessSettings(opts);
    this.drops = opts.collectDrops ? new Uint8Array(1024) : null;
    let x = 0x2545f491;
    this.random = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) / 0x1_0000_0000;
    };
    this.t = {
      format,
      settings: this.settings,
      rows: 0,
      exactDuplicates: 0,
      exactExamples: [],
      nearDuplicates: 0,
      nearExamples: [],
      conflicts: 0,
      conflictExamples: [],
      pii: Object.fromEntries(PII_KINDS.map((k) => [k, 0])) as Record<PiiKind, number>,
      piiRows: 0,
      piiExamples: [],
      emptyAnswers: 0,
      emptyAnswerExamples: [],
      systemRows: 0,
      sameSystemRows: 0,
      systemChars: 0,
      distinctSystems: 0,
      languageSample: [],
      lengths: {
        edges: LENGTH_EDGES,
        total: new Array<number>(LENGTH_EDGES.length).fill(0),
        prompt:
          format === "chat" || format === "prompt_completion" || format === "alpaca" || format === "preference"
            ? new Array<number>(LENGTH_EDGES.length).fill(0)
            : [],
      },
      tracked: 0,
      trackingFull: false,
    };
  }

  private drop(row: number, reason: DropReason): void {
    if (!this.drops) return;
    if (row >= this.drops.length) {
      const grown = new Uint8Array(Math.max(this.drops.length * 2, row + 1));
      grown.set(this.drops);
      this.drops = grown;
    }
    if (this.drops[row] === 0)
      this.drops[row] = 1 + ["exact_duplicate", "near_duplicate", "label_conflict"].indexOf(reason);
  }

  /** Per row of the file (0-based): 0 kept, else 1 + the DROP_REASONS index. Only with `collectDrops`. */
  dropCodes(): Uint8Array {
    return this.drops ? this.drops.subarray(0, this.t.rows) : new Uint8Array(0);
  }

  private labelId(label: string): number {
    let id = this.labelIds.get(label);
    if (id === undefined) {
      id = this.labelNames.length;
      this.labelIds.set(label, id);
      this.labelNames.push(label);
    }
    return id;
  }

  private remember(line: number, row: number, label: number): void {
    const i = this.index.remember(this.keys, this.fp);
    if (i < 0) return;
    if (i >= this.lineOf.length) {
      const n = Math.min(this.lineOf.length * 2, NEAR_DUPLICATE_TRACKING_LIMIT);
      const l = new Uint32Array(n);
      l.set(this.lineOf);
      this.lineOf = l;
      const r = new Uint32Array(n);
      r.set(this.rowOf);
      this.rowOf = r;
      const b = new Int32Array(n);
      b.set(this.labelOf);
      this.labelOf = b;
    }
    this.lineOf[i] = line;
    this.rowOf[i] = row;
    this.labelOf[i] = label;
  }

  /**
   * One valid record at `line`. `exactDuplicate`: the profile found an identical normalized record earlier (its
   * 64-bit hash table), so the row is counted as an exact duplicate and not signed again.
   */
  add(r: DatasetRecord, line: number, exactDuplicate: boolean): void {
    const t = this.t;
    const row = t.rows++;
    const v = rowView(this.format, r);
    const max = this.settings.maxExamples;

    t.lengths.total[bucketOf(v.totalChars)]!++;
    if (v.promptChars >= 0) t.lengths.prompt[bucketOf(v.promptChars)]!++;

    // Personal data, in every trainable field (the label too: a label is rarely personal, but it is trained on).
    let rowHasPii = false;
    for (const f of v.fields) {
      if (f.text.length < 6) continue;
      const found = findPii(f.text);
      for (const m of found) {
        t.pii[m.kind]++;
        rowHasPii = true;
        if (t.piiExamples.filter((e) => e.kind === m.kind).length < max) {
          t.piiExamples.push({
            line,
            field: fieldName(f.field),
            kind: m.kind,
            value: maskPiiValue(m.kind, f.text.slice(m.start, m.end)),
          });
        }
      }
    }
    if (rowHasPii) t.piiRows++;

    if (v.emptyAnswer) {
      t.emptyAnswers++;
      if (t.emptyAnswerExamples.length < max) t.emptyAnswerExamples.push({ line, text: excerpt(v.fields) });
    }

    if (v.system !== null) {
      t.systemRows++;
      const [a, b] = new Hash64().update(v.system.trim()).digest();
      if (!this.firstSystem) {
        this.firstSystem = [a, b];
        t.systemChars = v.system.length;
      }
      if (this.firstSystem[0] === a && this.firstSystem[1] === b) t.sameSystemRows++;
      if (!this.systems.add(a, b)) t.distinctSystems++;
    }

    // Language sample (reservoir): the user's side and the answer, first characters only.
    if (t.languageSample.length < LANGUAGE_SAMPLE || this.random() * t.rows < LANGUAGE_SAMPLE) {
      let s = "";
      for (const f of v.fields) {
        if (f.field === 0 && v.system !== null) continue;
        s += `${f.text.slice(0, 300)} `;
        if (s.length >= 300) break;
      }
      if (t.languageSample.length < LANGUAGE_SAMPLE) t.languageSample.push(s.slice(0, 300));
      else t.languageSample[Math.floor(this.random() * LANGUAGE_SAMPLE)] = s.slice(0, 300);
    }

    // Duplicates and conflicts. Classification compares the text alone, so the same text with another label is a
    // conflict, not a distinct row.
    const label = v.label === null ? -1 : this.labelId(v.label);
    if (exactDuplicate) {
      t.exactDuplicates++;
      this.drop(row, "exact_duplicate");
      if (t.exactExamples.length < max) {
        const ex: ReadinessExample = { line, text: excerpt(v.fields) };
        if (this.signRow(v)) {
          const m = this.index.query(this.keys, this.fp, 0.99);
          if (m) ex.otherLine = this.lineOf[m.row];
        }
        t.exactExamples.push(ex);
      }
      return;
    }
    if (!this.signRow(v)) return;
    const m = this.index.query(this.keys, this.fp, this.settings.nearDuplicateThreshold);
    if (!m) {
      this.remember(line, row, label);
      return;
    }
    const otherLine = this.lineOf[m.row]!;
    const otherLabel = this.labelOf[m.row]!;
    if (label >= 0 && otherLabel >= 0 && label !== otherLabel) {
      t.conflicts++;
      this.drop(row, "label_conflict");
      this.drop(this.rowOf[m.row]!, "label_conflict");
      if (!this.conflictPairs.has(m.row)) {
        this.conflictPairs.add(m.row);
        t.conflicts++; // the earlier row is in conflict too
      }
      if (t.conflictExamples.length < max) {
        t.conflictExamples.push({
          line,
          otherLine,
          similarity: round2(m.similarity),
          labels: [this.labelNames[label]!, this.labelNames[otherLabel]!],
          text: excerpt(v.fields),
        });
      }
      return;
    }
    t.nearDuplicates++;
    this.drop(row, "near_duplicate");
    if (t.nearExamples.length < max)
      t.nearExamples.push({ line, otherLine, similarity: round2(m.similarity), text: excerpt(v.fields) });
  }

  private signRow(v: RowView): boolean {
    // The system prompt is left out: a long one shared by every row would make every row look alike (it has a
    // check of its own).
    const texts: string[] = [];
    for (let i = v.system === null ? 0 : 1; i < v.fields.length; i++) texts.push(v.fields[i]!.text);
    if (!this.hasher.sign(texts)) return false;
    bandKeys(this.hasher.sig, this.keys);
    fingerprint(this.hasher.sig, this.fp);
    return true;
  }

  get rowCount(): number {
    return this.t.rows;
  }

  finish(profile: DatasetProfile): DatasetReadiness {
    this.t.tracked = this.index.size;
    this.t.trackingFull = this.index.full;
    return finishChecks(this.t, profile);
  }

  /** The duplicate sketch of the remembered rows (for the checks between the datasets of one job). */
  sketch(): DuplicateSketch {
    const { keys, fingerprints } = this.index.sketch();
    return { rows: this.index.size, keys, fingerprints, lines: this.lineOf.subarray(0, this.index.size) };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export interface DuplicateSketch {
  rows: number;
  /** rows × LSH_BANDS band keys. */
  keys: Uint32Array;
  /** rows × MINHASH_BINS 8-bit fingerprints. */
  fingerprints: Uint8Array;
  lines: Uint32Array;
}

const SKETCH_MAGIC = 0x314b5357; // "WSK1"

/** Sketch → bytes: a 16-byte header (magic, rows, bands, bins) then keys, lines (u32 LE) and fingerprints. */
export function encodeSketch(s: DuplicateSketch): Uint8Array {
  const head = 16;
  const out = new Uint8Array(head + s.rows * (LSH_BANDS * 4 + 4 + MINHASH_BINS));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, SKETCH_MAGIC, true);
  dv.setUint32(4, s.rows, true);
  dv.setUint32(8, LSH_BANDS, true);
  dv.setUint32(12, MINHASH_BINS, true);
  let at = head;
  for (let i = 0; i < s.rows * LSH_BANDS; i++, at += 4) dv.setUint32(at, s.keys[i]!, true);
  for (let i = 0; i < s.rows; i++, at += 4) dv.setUint32(at, s.lines[i]!, true);
  out.set(s.fingerprints.subarray(0, s.rows * MINHASH_BINS), at);
  return out;
}

export function decodeSketch(b: Uint8Array): DuplicateSketch {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.byteLength < 16 || dv.getUint32(0, true) !== SKETCH_MAGIC) throw new Error("not a duplicate sketch");
  const rows = dv.getUint32(4, true);
  if (dv.getUint32(8, true) !== LSH_BANDS || dv.getUint32(12, true) !== MINHASH_BINS)
    throw new Error("duplicate sketch made with other MinHash parameters");
  let at = 16;
  const keys = new Uint32Array(rows * LSH_BANDS);
  for (let i = 0; i < keys.length; i++, at += 4) keys[i] = dv.getUint32(at, true);
  const lines = new Uint32Array(rows);
  for (let i = 0; i < rows; i++, at += 4) lines[i] = dv.getUint32(at, true);
  const fingerprints = b.slice(at, at + rows * MINHASH_BINS);
  return { rows, keys, fingerprints, lines };
}

/**
 * Rows of `b` that are near (or exact) duplicates of a row of `a`, at `threshold`: their count and examples
 * (line in b, line in a).
 */
export function crossDuplicates(
  a: DuplicateSketch,
  b: DuplicateSketch,
  threshold: number,
  maxExamples: number,
): { rows: number; examples: { line: number; otherLine: number; similarity: number }[] } {
  const index = new LshIndex(a.rows);
  for (let i = 0; i < a.rows; i++)
    index.remember(a.keys.subarray(i * LSH_BANDS, (i + 1) * LSH_BANDS), a.fingerprints, i * MINHASH_BINS);
  let rows = 0;
  const examples: { line: number; otherLine: number; similarity: number }[] = [];
  for (let i = 0; i < b.rows; i++) {
    const m = index.query(
      b.keys.subarray(i * LSH_BANDS, (i + 1) * LSH_BANDS),
      b.fingerprints,
      threshold,
      i * MINHASH_BINS,
    );
    if (!m) continue;
    rows++;
    if (examples.length < maxExamples)
      examples.push({ line: b.lines[i]!, otherLine: a.lines[m.row]!, similarity: round2(m.similarity) });
  }
  return { rows, examples };
}
