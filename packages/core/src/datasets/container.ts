import type { DatasetContainer } from "../dataset-format";
import { DatasetError } from "./errors";

/** How many bytes from the start of a file `detectContainer` wants to see (it copes with fewer). */
export const SNIFF_BYTES = 4096;

const MAGIC: { bytes: number[]; name: string }[] = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], name: "a PNG image" },
  { bytes: [0xff, 0xd8, 0xff], name: "a JPEG image" },
  { bytes: [0x47, 0x49, 0x46, 0x38], name: "a GIF image" },
  { bytes: [0x25, 0x50, 0x44, 0x46], name: "a PDF document" },
  { bytes: [0x50, 0x41, 0x52, 0x31], name: "a Parquet file" },
  { bytes: [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31], name: "an Arrow file" },
  { bytes: [0x50, 0x4b, 0x03, 0x04], name: "a ZIP archive (or an Excel/Word file)" },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], name: "a legacy Microsoft Office file" },
  { bytes: [0x1f, 0x8b], name: "a gzip-compressed file" },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], name: "a zstd-compressed file" },
  { bytes: [0x42, 0x5a, 0x68], name: "a bzip2-compressed file" },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], name: "an SQLite database" },
];

const UNSUPPORTED_EXT: Record<string, string> = {
  parquet: "a Parquet file",
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

const SUPPORTED_EXT: Record<string, DatasetContainer> = {
  jsonl: "jsonl",
  ndjson: "jsonl",
  jsonlines: "jsonl",
  csv: "csv",
  tsv: "tsv",
  tab: "tsv",
};

const ACCEPTED = "upload JSON Lines (.jsonl), CSV (.csv) or TSV (.tsv)";

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

/**
 * The container of an upload from its name and first bytes (`head`, ideally `SNIFF_BYTES` of them).
 * Content wins over the name: a PNG renamed to .jsonl is still refused as a PNG. Files without a known extension
 * are sniffed: `{` first → JSONL; a tab in the first line → TSV; a comma → CSV.
 */
export function detectContainer(filename: string, head: Uint8Array): DatasetContainer {
  for (const m of MAGIC) {
    if (head.length >= m.bytes.length && m.bytes.every((b, i) => head[i] === b)) throw unsupported(filename, m.name);
  }
  const ext = extensionOf(filename);
  const bad = UNSUPPORTED_EXT[ext];
  if (bad) throw unsupported(filename, bad);
  const known = SUPPORTED_EXT[ext];
  if (known) return known;

  // Sniff: skip a BOM and leading whitespace. The head may end inside a multi-byte character; not fatal here.
  let text = new TextDecoder("utf-8").decode(head);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const trimmed = text.trimStart();
  if (trimmed.startsWith("[")) {
    throw new DatasetError(
      "unsupported_file_type",
      `unsupported file type: "${filename}" is a JSON array; upload JSON Lines instead (one JSON object per line, .jsonl)`,
      undefined,
      "file",
      { detectedType: "JSON array" },
    );
  }
  if (trimmed.startsWith("{")) return "jsonl";
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
