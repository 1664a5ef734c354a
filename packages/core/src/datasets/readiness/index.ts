export * from "./readiness-types";
export {
  ReadinessAccumulator,
  ReadinessSettingsError,
  resolveReadinessSettings,
  rowView,
  fieldName,
  excerpt,
  encodeSketch,
  decodeSketch,
  crossDuplicates,
  DEFAULT_NEAR_DUPLICATE_THRESHOLD,
  MIN_NEAR_DUPLICATE_THRESHOLD,
  DEFAULT_READINESS_EXAMPLES,
  MAX_READINESS_EXAMPLES,
  NEAR_DUPLICATE_TRACKING_LIMIT,
  LENGTH_EDGES,
  type ReadinessAccumulatorOptions,
  type DuplicateSketch,
} from "./readiness";
export { verdictOf, techniqueOfFormat, labelTypos } from "./checks";
export {
  estimateTokenCounts,
  tokenLengthCheck,
  splitLeakageCheck,
  crossDatasetCheck,
  validationLeakageCheck,
  type TokenCounts,
  type CrossDatasetResult,
} from "./job-checks";
export {
  findPii,
  maskPiiValue,
  redactPii,
  PII_KINDS,
  PII_LABELS,
  PII_LABEL_ONE,
  PII_PLACEHOLDERS,
  BLOCKING_PII,
  type PiiKind,
  type PiiMatch,
} from "./pii";
export { luhnValid, ibanValid, verhoeffValid, verhoeffCheckDigit } from "./checksums";
export { MinHasher, LshIndex, bandKeys, fingerprint, fingerprintSimilarity, MINHASH_BINS, LSH_BANDS } from "./minhash";
export { redactRecord } from "./clean";
