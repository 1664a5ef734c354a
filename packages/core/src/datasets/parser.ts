import { DATASET_FORMAT_LABELS, type DatasetContainer, type DatasetFormat } from "../dataset-format";
import { detectContainer, isConvertedContainer, SNIFF_BYTES, type UploadContainer } from "./container";
import { CsvReader } from "./csv";
import { DatasetError, typeName } from "./errors";
import { detectFormat, FORMAT_FIELDS_HELP, KEY_FIELD, validateRecord, type DatasetRecord } from "./formats";
import { JsonArrayReader } from "./json-array";
import { ProfileAccumulator } from "./profile";
import { shapeHint } from "./shape-hint";
import { isShareGpt, SHAREGPT_FIELD, shareGptToChat } from "./sharegpt";
import { TextDocuments } from "./text-documents";
import { describeTextProblem, findUnencodableText } from "./text-check";
import type { DatasetProfile } from "./profile-types";
import type { DuplicateSketch, ReadinessAccumulator, ReadinessAccumulatorOptions } from "./readiness/readiness";
import type { DatasetReadiness } from "./readiness/readiness-types";

export interface DatasetParserOptions {
  /** The uploaded file's name: its extension picks the container (content sniffing decides when it does not). */
  filename: string;
  /** The format the user says the file is in; a file that looks like another one is refused. */
  declaredFormat?: DatasetFormat;
  /** Longest line accepted (default 16 MiB): bounds the memory one line can take. */
  maxLineBytes?: number;
  /** Readiness settings (near-duplicate threshold, examples), or false to profile only. */
  readiness?: ReadinessAccumulatorOptions | false;
  /** Called with every valid record and its line, after the profile has seen it (the cleaner's second pass). */
  onRecord?: (record: DatasetRecord, line: number) => void;
}

/**
 * What was uploaded, when it is not what is stored: a JSON array, Parquet or plain-text file, or ShareGPT rows, are
 * stored as JSON Lines in the platform's format (chat for ShareGPT), which the runner reads unchanged.
 */
export interface DatasetSource {
  container: UploadContainer;
  /** Rows in a layout converted at upload (`sharegpt` → chat), or null when the rows are in `format` already. */
  format: "sharegpt" | null;
}

export interface DatasetParseResult {
  /** The container of the stored file (`jsonl` for every converted upload). */
  container: DatasetContainer;
  /** The upload's own container and row layout. */
  source: DatasetSource;
  /**
   * `original`: the uploaded bytes are the stored file. `jsonl`: the stored file is one JSON object per line, the
   * records handed to `onRecord` in order (so lines of the stored file are rows: line N = row N).
   */
  storedAs: "original" | "jsonl";
  format: DatasetFormat;
  rows: number;
  profile: DatasetProfile;
  /** The readiness report (null when turned off). */
  readiness: DatasetReadiness | null;
  /** The near-duplicate sketch of the remembered rows, for checks between datasets (null when turned off). */
  sketch: DuplicateSketch | null;
  /** The accumulator itself (per-row drop decisions of the cleaner). */
  readinessAccumulator: ReadinessAccumulator | null;
}

const LF = 0x0a;
const KNOWN_COLUMNS = new Set([
  "messages",
  "prompt",
  "completion",
  "instruction",
  "input",
  "output",
  "text",
  "label",
  "chosen",
  "rejected",
]);

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** 1-based byte offset of the first invalid UTF-8 sequence in `b`, or 0 when there is none. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i + 1;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80) return i + 1;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i + 1;
    i += need + 1;
  }
  return 0;
}

/**
 * Streaming dataset parser: push the file's bytes in chunks of any size, then call `end()`. Pure (no I/O).
 *
 * Bytes are split on LF (which never occurs inside a multi-byte UTF-8 character), each block is decoded with a
 * fatal UTF-8 decoder, a CR before the LF and a leading BOM are dropped. JSONL: one JSON object per line, blank
 * lines skipped. CSV/TSV: a header row, then RFC 4180 records. The format is detected from the first record (or
 * taken from `declaredFormat`), every record is validated against it and fed to the profile. The first problem
 * throws a `DatasetError` naming the line and field. Memory: the current chunk, one unfinished line (at most
 * `maxLineBytes`) and the profile's bounded state.
 */
export class DatasetParser {
  private readonly maxLineBytes: number;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private container: DatasetContainer | null = null;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private line = 0;
  private firstBlock = true;
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  private csv: CsvReader | null = null;
  private header: string[] | null = null;
  private format: DatasetFormat | null = null;
  private formatLine = 0;
  private profile: ProfileAccumulator | null = null;
  private sawContent = false;
  private source: UploadContainer | null = null;
  private sourceFormat: "sharegpt" | null = null;
  private converting: boolean | null = null;
  private json: JsonArrayReader | null = null;
  private docs: TextDocuments | null = null;
  private records = 0;
  /** How positions are named in messages: lines of a text file, rows of a Parquet file. */
  private unit: "line" | "row" = "line";

  constructor(private readonly opts: DatasetParserOptions) {
    this.maxLineBytes = opts.maxLineBytes ?? 16 * 1024 * 1024;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.container === null) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes >= SNIFF_BYTES) this.start();
      return;
    }
    this.feed(chunk);
  }

  /**
   * Whether the stored file is the uploaded bytes (`original`) or the JSON Lines of the records given to `onRecord`
   * (`jsonl`); null until the first record has decided it (a JSONL file of ShareGPT rows is converted).
   */
  get storedAs(): "original" | "jsonl" | null {
    return this.converting === null ? null : this.converting ? "jsonl" : "original";
  }

  /**
   * A record read by the caller instead of bytes (Parquet, whose footer must be read first, so it cannot be pushed
   * as a stream): `row` is 1-based and names the record in messages ("row 12"). Do not mix with `push`.
   */
  pushRecord(row: number, r: DatasetRecord): void {
    if (this.container === null) {
      this.source = "parquet";
      this.container = "jsonl";
      this.unit = "row";
      this.converting = true;
    }
    this.sawContent = true;
    this.onRecord(row, r);
  }

  end(): DatasetParseResult {
    if (this.unit === "row") return this.finish();
    if (this.container === null) {
      if (this.headBytes === 0 || (this.headBytes === 3 && this.isBom(concat(this.head, 3)))) {
        throw new DatasetError("empty_file", `the file "${this.opts.filename}" is empty`, undefined, "file");
      }
      this.start();
    }
    if (this.pendingBytes > 0) {
      const last = concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.processBlock(last, false);
    }
    this.csv?.end();
    this.json?.end();
    this.docs?.end();
    return this.finish();
  }

  private finish(): DatasetParseResult {
    const profile = this.profile;
    if (!profile || profile.rowCount === 0) {
      if (this.unit === "row") throw new DatasetError("no_rows", `the Parquet file has no rows`, undefined, "file");
      if (this.json) throw new DatasetError("no_rows", `the JSON array is empty: there are no rows`, undefined, "file");
      if (this.header) {
        throw new DatasetError("no_rows", `the file has a header row (line 1) but no data rows`, undefined, "file");
      }
      if (this.line === 0 && !this.sawContent) {
        throw new DatasetError("empty_file", `the file "${this.opts.filename}" is empty`, undefined, "file");
      }
      throw new DatasetError(
        "blank_file",
        `the file has only blank lines (${this.line}); there are no rows`,
        undefined,
        "file",
        {
          lines: this.line,
        },
      );
    }
    const result = profile.finish();
    const acc = profile.readiness;
    return {
      container: result.container,
      source: { container: this.source ?? result.container, format: this.sourceFormat },
      storedAs: this.converting ? "jsonl" : "original",
      format: result.format,
      rows: result.rows,
      profile: result,
      readiness: acc ? acc.finish(result) : null,
      sketch: acc ? acc.sketch() : null,
      readinessAccumulator: acc,
    };
  }

  private isBom(b: Uint8Array): boolean {
    return b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf;
  }

  private start(): void {
    const head = concat(this.head, this.headBytes);
    this.head = [];
    const bomless = this.isBom(head) ? head.subarray(3) : head;
    const source = detectContainer(this.opts.filename, bomless);
    if (source === "parquet") {
      // Its footer comes last: the caller spools it and hands its rows to pushRecord (packages/api ingest).
      throw new DatasetError(
        "unsupported_file_type",
        `"${this.opts.filename}" is a Parquet file: it is read from a file, row group by row group, not as a stream`,
        undefined,
        "file",
        { detectedType: "Parquet file" },
      );
    }
    this.source = source;
    this.container = isConvertedContainer(source) ? "jsonl" : source;
    if (source === "csv" || source === "tsv") {
      this.converting = false;
      this.csv = new CsvReader(source === "csv" ? "," : "\t", (line, fields) => this.onCsvRecord(line, fields));
    } else if (source === "json") {
      this.converting = true;
      this.json = new JsonArrayReader((value, line) => this.onJsonValue(line, value), this.maxLineBytes);
    } else if (source === "txt") {
      this.converting = true;
      this.docs = new TextDocuments((text, line) => this.onRecord(line, { text }), this.maxLineBytes);
    }
    this.feed(head);
  }

  private feed(chunk: Uint8Array): void {
    if (this.json) {
      // A JSON array is not split into lines (a minified one is a single line); its reader counts them.
      this.json.push(chunk);
      return;
    }
    const lf = chunk.lastIndexOf(LF);
    if (lf < 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > this.maxLineBytes) this.lineTooLong();
      return;
    }
    let block = chunk.subarray(0, lf + 1);
    if (this.pendingBytes > 0) {
      this.pending.push(block);
      block = concat(this.pending, this.pendingBytes + block.length);
    }
    const rest = chunk.subarray(lf + 1);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingBytes = rest.length;
    this.processBlock(block, true);
  }

  private lineTooLong(): never {
    const mib = Math.round((this.maxLineBytes / 1024 / 1024) * 10) / 10;
    throw new DatasetError(
      "line_too_long",
      `line ${this.line + 1}: longer than ${mib} MiB; is it missing line breaks?`,
      this.line + 1,
      undefined,
      {
        maxLineBytes: this.maxLineBytes,
      },
    );
  }

  /** `block` ends with LF when `complete`; otherwise it is the file's last line without one. */
  private processBlock(block: Uint8Array, complete: boolean): void {
    if (this.firstBlock) {
      this.firstBlock = false;
      if (this.isBom(block)) block = block.subarray(3);
    }
    let text: string;
    try {
      text = this.decoder.decode(block);
    } catch {
      this.throwUtf8(block);
    }
    const lines = text.split("\n");
    const n = complete ? lines.length - 1 : lines.length;
    for (let i = 0; i < n; i++) {
      let l = lines[i]!;
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
      this.line++;
      if (l.length > this.maxLineBytes) {
        this.line--;
        this.lineTooLong();
      }
      this.onLine(this.line, l);
    }
  }

  private throwUtf8(block: Uint8Array): never {
    let start = 0;
    let line = this.line;
    while (start <= block.length) {
      let end = block.indexOf(LF, start);
      if (end < 0) end = block.length;
      line++;
      const bad = firstInvalidUtf8(block.subarray(start, end));
      if (bad > 0) {
        throw new DatasetError(
          "not_utf8",
          `line ${line}: not valid UTF-8 (byte ${bad} of the line); save the file as UTF-8`,
          line,
          undefined,
          {
            byte: bad,
          },
        );
      }
      start = end + 1;
    }
    throw new DatasetError("not_utf8", `line ${this.line + 1}: not valid UTF-8; save the file as UTF-8`, this.line + 1);
  }

  private onLine(lineNo: number, l: string): void {
    if (this.csv) {
      this.csv.pushLine(lineNo, l);
      return;
    }
    if (this.docs) {
      if (!this.sawContent && l.trim() !== "") this.sawContent = true;
      this.docs.pushLine(lineNo, l);
      return;
    }
    if (l.length === 0 || (l.charCodeAt(0) <= 32 && l.trim() === "")) return;
    this.sawContent = true;
    let value: unknown;
    try {
      value = JSON.parse(l);
    } catch (e) {
      // V8 says "at position N" (0-based, in characters); a column is what an editor shows.
      const why = (e instanceof Error ? e.message : String(e)).replace(
        / at position (\d+)(?: \(line \d+ column \d+\))?/,
        (_, n: string) => ` at column ${Number(n) + 1}`,
      );
      throw new DatasetError("malformed_json", `line ${lineNo}: malformed JSON: ${why}`, lineNo, undefined, {
        reason: why,
      });
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const got = typeName(value);
      throw new DatasetError(
        "not_an_object",
        `line ${lineNo}: expected a JSON object ({…}) on each line, got ${got === "array" ? "an array" : got}`,
        lineNo,
        undefined,
        { got },
      );
    }
    this.onRecord(lineNo, value as DatasetRecord);
  }

  private onJsonValue(lineNo: number, value: unknown): void {
    this.sawContent = true;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      const got = typeName(value);
      throw new DatasetError(
        "not_an_object",
        `line ${lineNo}: expected a JSON object ({…}) as each element of the array, got ${got === "array" ? "an array" : got}`,
        lineNo,
        undefined,
        { got },
      );
    }
    this.onRecord(lineNo, value as DatasetRecord);
  }

  private onCsvRecord(lineNo: number, fields: string[]): void {
    this.sawContent = true;
    if (!this.header) {
      const names = fields.map((f) => f.trim());
      const shown = fields.join(this.container === "tsv" ? "\\t" : ",").slice(0, 120);
      if (!names.some((n) => KNOWN_COLUMNS.has(n))) {
        throw new DatasetError(
          "missing_header",
          `line ${lineNo}: the header row is missing: the first line must name the columns, e.g. "text${this.container === "tsv" ? "\\t" : ","}label"; got "${shown}"`,
          lineNo,
          undefined,
          { columns: names.slice(0, 20) },
        );
      }
      const empty = names.indexOf("");
      if (empty >= 0) {
        throw new DatasetError(
          "bad_header",
          `line ${lineNo}: column ${empty + 1} of the header row has no name`,
          lineNo,
          undefined,
          { column: empty + 1 },
        );
      }
      const dup = names.find((n, i) => names.indexOf(n) !== i);
      if (dup !== undefined) {
        throw new DatasetError("bad_header", `line ${lineNo}: the header row names column "${dup}" twice`, lineNo, dup);
      }
      this.header = names;
      return;
    }
    const header = this.header;
    if (fields.length !== header.length) {
      throw new DatasetError(
        "wrong_column_count",
        `line ${lineNo}: expected ${header.length} columns (${header.join(", ")}) like the header, got ${fields.length}`,
        lineNo,
        undefined,
        { expected: header.length, got: fields.length },
      );
    }
    const record: DatasetRecord = {};
    for (let i = 0; i < header.length; i++) record[header[i]!] = fields[i];
    this.onRecord(lineNo, record);
  }

  private onRecord(lineNo: number, r: DatasetRecord): void {
    const at = `${this.unit} ${lineNo}`;
    const bad = findUnencodableText(r);
    if (bad) {
      throw new DatasetError("invalid_character", `${at}: ${describeTextProblem(bad)}`, lineNo, bad.field, {
        character: bad.escape,
        position: bad.at,
      });
    }
    // ShareGPT rows become chat rows; a file is all ShareGPT or none of it. A row that also carries another
    // format's key field (e.g. a preference pair's "chosen") is that format's, not ShareGPT.
    const shareGpt = isShareGpt(r) && detectFormat(r) === null;
    if (this.format !== null && shareGpt !== (this.sourceFormat === "sharegpt")) {
      const rowIs = shareGpt ? `ShareGPT (field "${SHAREGPT_FIELD}")` : `not ShareGPT (no field "${SHAREGPT_FIELD}")`;
      throw new DatasetError(
        "mixed_formats",
        `${at}: mixed formats: this row is ${rowIs} but the file is ${this.sourceFormat === "sharegpt" ? "ShareGPT" : `"${this.format}"`} ` +
          `since ${this.unit} ${this.formatLine}`,
        lineNo,
        SHAREGPT_FIELD,
        { format: this.format, rowFormat: shareGpt ? "sharegpt" : detectFormat(r), formatLine: this.formatLine },
      );
    }
    if (shareGpt) {
      const declared = this.opts.declaredFormat;
      if (declared && declared !== "chat") {
        throw new DatasetError(
          "format_mismatch",
          `${at}: the file was declared as "${declared}" (${DATASET_FORMAT_LABELS[declared]}) but this row is ShareGPT ` +
            `(conversations, stored as "chat"; field "${SHAREGPT_FIELD}")`,
          lineNo,
          SHAREGPT_FIELD,
          { declared, detected: "sharegpt" },
        );
      }
      const converted = shareGptToChat(r);
      if ("problem" in converted) {
        const { kind, field, message, ...rest } = converted.problem;
        throw new DatasetError(kind, `${at}: ${message}`, lineNo, field, rest);
      }
      if (this.format === null) this.sourceFormat = "sharegpt";
      r = converted.record;
    }
    if (this.converting === null) this.converting = shareGpt;
    const seen = detectFormat(r);
    if (this.format === null) {
      const declared = this.opts.declaredFormat;
      if (declared) {
        if (seen && seen !== declared && !(declared === "classification" && seen === "text")) {
          throw new DatasetError(
            "format_mismatch",
            `${at}: the file was declared as "${declared}" (${DATASET_FORMAT_LABELS[declared]}) but this row is "${seen}" ` +
              `(${DATASET_FORMAT_LABELS[seen]}, field "${KEY_FIELD[seen]}")`,
            lineNo,
            KEY_FIELD[seen],
            { declared, detected: seen },
          );
        }
        this.format = declared;
      } else {
        if (!seen) {
          const keys = Object.keys(r).slice(0, 10);
          throw new DatasetError(
            "unknown_format",
            `${at}: cannot tell the dataset format from the fields ${keys.length ? keys.map((k) => `"${k}"`).join(", ") : "(none)"}; ` +
              `expected ${FORMAT_FIELDS_HELP}, or "${SHAREGPT_FIELD}" (ShareGPT)${shapeHint(keys)}`,
            lineNo,
            undefined,
            { fields: keys },
          );
        }
        this.format = seen;
      }
      this.formatLine = lineNo;
      this.profile = new ProfileAccumulator(this.format, this.container!, this.opts.readiness ?? {});
    } else if (seen && seen !== this.format && !(this.format === "classification" && seen === "text")) {
      throw new DatasetError(
        "mixed_formats",
        `${at}: mixed formats: this row is "${seen}" (field "${KEY_FIELD[seen]}") but the file is "${this.format}" ` +
          `since ${this.unit} ${this.formatLine}`,
        lineNo,
        KEY_FIELD[seen],
        { format: this.format, rowFormat: seen, formatLine: this.formatLine },
      );
    }
    const problem = validateRecord(this.format, r);
    if (problem) {
      const { kind, field, message, ...rest } = problem;
      throw new DatasetError(kind, `${at}: ${message}`, lineNo, field, rest);
    }
    // A converted file is stored as one record per line: its readiness examples name lines of the stored file.
    const stored = this.converting ? ++this.records : lineNo;
    this.profile!.add(r, stored);
    this.opts.onRecord?.(r, stored);
  }
}

/** Parses and profiles a whole stream of chunks (a file, a request body) with `DatasetParser`. */
export async function parseDatasetStream(
  source: AsyncIterable<Uint8Array>,
  opts: DatasetParserOptions,
): Promise<DatasetParseResult> {
  const parser = new DatasetParser(opts);
  for await (const chunk of source) parser.push(chunk);
  return parser.end();
}
