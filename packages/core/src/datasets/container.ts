import type { DatasetContainer } from "../dataset-format";
import { DatasetError } from "./errors";

/**
 * Files an upload may arrive in: the containers stored and read by the runner as they are (`jsonl`, `csv`, `tsv`),
 * and those converted to JSON Lines at upload: a JSON array file (`json`), Parquet (`parquet`), plain text (`txt`).
 */
export const UPLOAD_CONTAINERS = ["jsonl", "csv", "tsv", "json", "parquet", "txt"] as const;
export type UploadContainer = (typeof UPLOAD_CONTAINERS)[number];

/** The upload containers that are stored as JSON Lines rather than as uploaded. */
export function isConvertedContainer(c: UploadContainer): c is Exclude<UploadContainer, DatasetContainer> {
  return c === "json" || c === "parquet" || c === "txt";
}

const PARQUET_MAGIC = [0x50, 0x41, 0x52, 0x31];

/** How many bytes from the start of a file `detectContainer` wants to see (it copes with fewer). */
export const SNIFF_BYTES = 4096;

const MAGIC: { bytes: number[]; name: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], name: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], name: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], name: "a GIF image" },
  { bytes: [0x25, 0x50, 0x44, 0x46], name: "a PDF document" },
  { bytes: [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31], name: "an Arrow file" },
  { bytes: [0x50, 0x4b, 0x03, 0x04], name: "a ZIP archive (or an Excel/Word file)" },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], name: "a legacy Microsoft Office file" },
  { bytes: [0x1f, 0x8b], name: "a gzip-compressed file" },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: "a zstd-compressed file" },
  { bytes: [0x42, 0x5a, 0x68], name: "a bzip2-compressed file" },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], name: "an SQLite database" },
];

const UNSUPPORTED_EXT: Record<string, string> = {
  arrow: "an Arrow file",
  feather: "an Arrow (Feather) file",
  xlsx: "an Excel workbook",
  xls: "an Excel workbook",
  ods: "a spreadsheet",
  png: "a PNG image",
  jpg: "a JPEG image",
  jpeg: "a JPEG image",
  gif: "a GIF image",
  webp: "a WebP image",
  pdf: "a PDF document",
  docx: "a Word document",
  zip: "a ZIP archive",
  gz: "a gzip-compressed file",
  tgz: "a gzip-compressed archive",
  zst: "a zstd-compressed file",
  bz2: "a bzip2-compressed file",
  tar: "a tar archive",
  pkl: "a Python pickle",
  pickle: "a Python pickle",
  pt: "a PyTorch file",
  npy: "a NumPy array",
  sqlite: "an SQLite database",
  db: "a database file",
};

const SUPPORTED_EXT: Record<string, UploadContainer> = {
  jsonl: "jsonl",
  ndjson: "jsonl",
  jsonlines: "jsonl",
  csv: "csv",
  tsv: "tsv",
  tab: "tsv",
  parquet: "parquet",
  txt: "txt",
};

const ACCEPTED =
  "upload JSON Lines (.jsonl), a JSON array (.json), CSV (.csv), TSV (.tsv), Parquet (.parquet) or plain text (.txt)";

function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

function unsupported(filename: string, what: string): DatasetError {
  return new DatasetError(
    "unsupported_file_type",
    `unsupported file type: "${filename}" is ${what}; ${ACCEPTED}`,
    undefined,
    "file",
    {
      detectedType: what.replace(/^an? /, ""),
    },
  );
}

const HEADER_COLUMNS = new Set(["text", "label", "prompt", "completion", "instruction", "input", "output", "messages"]);

/** A .txt file whose first line is a TSV/CSV header naming the platform's columns (`text<TAB>label`) is that table. */
function tabularTxt(head: Uint8Array): "tsv" | "csv" | null {
  const first = (
    new TextDecoder("utf-8")
      .decode(head)
      .replace(/^\ufeff/, "")
      .split("\n", 1)[0] ?? ""
  ).replace(/\r$/, "");
  for (const [sep, container] of [
    ["\t", "tsv"],
    [",", "csv"],
  ] as const) {
    const cols = first.split(sep).map((c) => c.trim());
    if (cols.length > 1 && cols.some((c) => HEADER_COLUMNS.has(c))) return container;
  }
  return null;
}

/**
 * The container of an upload from its name and first bytes (`head`, ideally `SNIFF_BYTES` of them).
 * Content wins over the name: a PNG renamed to .jsonl is still refused as a PNG, Parquet's `PAR1` magic is Parquet
 * whatever the name. `.json` files and files without a known extension are sniffed: `[` first → a JSON array;
 * `{` first → JSONL (many JSON Lines files are named .json); a tab in the first line → TSV; a comma → CSV.
 */
export function detectContainer(filename: string, head: Uint8Array): UploadContainer {
  if (head.length >= 4 && PARQUET_MAGIC.every((b, i) => head[i] === b)) return "parquet";
  for (const m of MAGIC) {
    if (head.length >= m.bytes.length && m.bytes.every((b, i) => head[i] === b)) throw unsupported(filename, m.name);
  }
  const ext = extensionOf(filename);
  const bad = UNSUPPORTED_EXT[ext];
  if (bad) throw unsupported(filename, bad);
  const known = SUPPORTED_EXT[ext];
  if (known === "parquet") throw unsupported(filename, "named .parquet but does not start like a Parquet file");
  if (known === "txt") return tabularTxt(head) ?? "txt";
  if (known) return known;

  // Sniff: skip a BOM and leading whitespace. The head may end inside a multi-byte character; not fatal here.
  let text = new TextDecoder("utf-8").decode(head);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) return "json";
  if (trimmed.startsWith("{")) return "jsonl";
  if (ext === "json") {
    throw new DatasetError(
      "unsupported_file_type",
      `unsupported file type: "${filename}" is neither a JSON array of objects ("[" first) nor JSON Lines ("{" first); ${ACCEPTED}`,
      undefined,
      "file",
      { detectedType: null },
    );
  }
  const firstLine = trimmed.split("\n", 1)[0] ?? "";
  if (firstLine.includes("\t")) return "tsv";
  if (firstLine.includes(",")) return "csv";
  throw new DatasetError(
    "unsupported_file_type",
    `unsupported file type: cannot tell what "${filename}" contains; ${ACCEPTED}`,
    undefined,
    "file",
    { detectedType: null },
  );
}
