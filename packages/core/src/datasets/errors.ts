/** What went wrong with an uploaded dataset file, as a stable machine-readable kind. */
export type DatasetErrorKind =
  | "empty_file"
  | "blank_file"
  | "no_rows"
  | "unsupported_file_type"
  | "not_utf8"
  | "line_too_long"
  | "malformed_json"
  | "not_an_object"
  | "unknown_format"
  | "format_mismatch"
  | "mixed_formats"
  | "missing_field"
  | "wrong_type"
  | "invalid_value"
  | "missing_header"
  | "bad_header"
  | "wrong_column_count"
  | "bad_quoting"
  | "invalid_character";

/**
 * A dataset file that cannot be accepted. `line` is 1-based (physical lines of the file, counting the CSV header),
 * `field` a path inside the record (`messages[2].content`), or `file` for problems with the file as a whole.
 * The message already names the line and the field in words, so it can be shown as is.
 */
export class DatasetError extends Error {
  constructor(
    readonly kind: DatasetErrorKind,
    message: string,
    readonly line?: number,
    readonly field?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "DatasetError";
  }
}

/** The JSON type of a value in words: string, number, boolean, null, array, object. */
export function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}
