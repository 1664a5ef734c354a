export { DatasetError, typeName, type DatasetErrorKind } from "./errors";
export {
  detectContainer,
  isConvertedContainer,
  SNIFF_BYTES,
  UPLOAD_CONTAINERS,
  type UploadContainer,
} from "./container";
export { isShareGpt, shareGptToChat, SHAREGPT_FIELD, SHAREGPT_ROLES } from "./sharegpt";
export { JsonArrayReader } from "./json-array";
export { TextDocuments } from "./text-documents";
export { detectFormat, validateRecord, CHAT_ROLES, KEY_FIELD, type DatasetRecord, type RowProblem } from "./formats";
export { CsvReader } from "./csv";
export { Hash64, Hash64Set } from "./hash-set";
export {
  ProfileAccumulator,
  truncateForSample,
  LENGTH_BUCKET_EDGES,
  LENGTH_RESERVOIR_SIZE,
  DUPLICATE_TRACKING_LIMIT,
  SAMPLE_ROWS,
  SAMPLE_STRING_CHARS,
  OTHER_LABELS,
} from "./profile";
export {
  DatasetParser,
  parseDatasetStream,
  type DatasetParserOptions,
  type DatasetParseResult,
  type DatasetSource,
} from "./parser";
export type { DatasetProfile } from "./profile-types";
export * from "./readiness";
