/**
 * Identifiers of the OpenAI object model over Whetstone's rows (decision 0010). Every id is the row's own id with
 * OpenAI's prefix, so no mapping table is needed and the REST API's ids still work after stripping it:
 *
 *   file-<datasetVersionId>           a dataset version (purpose `fine-tune`)
 *   file-result-<jobId>               a succeeded job's results CSV (purpose `fine-tune-results`), made on demand
 *   ftjob-<jobId>                     a fine-tuning job
 *   ftevent-<jobEventId>              one of its events
 *   ftckpt-<checkpointId>             one of its checkpoints
 *   ft:<base>:<team>:<suffix>:<jobId> the model a succeeded job produced (`:ckpt-step-<n>` for a checkpoint)
 */
export const FILE_PREFIX = "file-";
export const RESULT_FILE_PREFIX = "file-result-";
export const JOB_PREFIX = "ftjob-";
export const EVENT_PREFIX = "ftevent-";
export const CHECKPOINT_PREFIX = "ftckpt-";

export const fileId = (datasetVersionId: string) => `${FILE_PREFIX}${datasetVersionId}`;
export const resultFileId = (jobId: string) => `${RESULT_FILE_PREFIX}${jobId}`;
export const jobId = (id: string) => `${JOB_PREFIX}${id}`;
export const eventId = (id: string) => `${EVENT_PREFIX}${id}`;
export const checkpointId = (id: string) => `${CHECKPOINT_PREFIX}${id}`;

export type ParsedFileId = { kind: "dataset"; id: string } | { kind: "result"; jobId: string } | null;

/** A file id as the API hands it out; null for anything else. */
export function parseFileId(id: string): ParsedFileId {
  if (id.startsWith(RESULT_FILE_PREFIX) && id.length > RESULT_FILE_PREFIX.length) {
    return { kind: "result", jobId: id.slice(RESULT_FILE_PREFIX.length) };
  }
  if (id.startsWith(FILE_PREFIX) && id.length > FILE_PREFIX.length) return { kind: "dataset", id: id.slice(5) };
  return null;
}

/** The row id behind `prefix<id>`; a bare row id (the REST API's) is accepted too. */
export function stripPrefix(id: string, prefix: string): string {
  return id.startsWith(prefix) ? id.slice(prefix.length) : id;
}

/** OpenAI allows letters, digits, `-` and `_` in a suffix; `:` would break the model name. */
export const SUFFIX_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The name OpenAI gives a fine-tuned model: `ft:<base>:<org>:<suffix>:<id>` (the suffix empty when none). */
export function fineTunedModelName(base: string, team: string, suffix: string | null, job: string): string {
  return `ft:${base}:${team}:${suffix ?? ""}:${job}`;
}

export const checkpointModelName = (model: string, step: number) => `${model}:ckpt-step-${step}`;

/** The job id (and checkpoint step) in a fine-tuned model's name, or null when `name` is not one. */
export function parseFineTunedModelName(name: string): { jobId: string; step: number | null } | null {
  if (!name.startsWith("ft:")) return null;
  const parts = name.split(":");
  const ckpt = /^ckpt-step-(\d+)$/.exec(parts[parts.length - 1] ?? "");
  const job = ckpt ? parts[parts.length - 2] : parts[parts.length - 1];
  if (!job || parts.length < (ckpt ? 6 : 5)) return null;
  return { jobId: job, step: ckpt ? Number(ckpt[1]) : null };
}

/** Unix seconds, as every OpenAI timestamp. */
export const unix = (d: Date) => Math.floor(d.getTime() / 1000);
