import { z } from "zod";
import { ARTIFACT_KIND_NAMES, JOB_KIND_NAMES } from "./contract";

/** Every event on the stream `whetstone:events` is one entry with a single field `data` holding this JSON. */
const base = {
  /** Idempotency key: a replayed event with a known id changes nothing. */
  eventId: z.uuid(),
  ts: z.iso.datetime({ offset: true }),
  runner: z.string().min(1),
};
const jobBase = {
  ...base,
  jobId: z.string().min(1),
  /** The kind of the job the event is about: `jobId` is a fine-tuning job's id for `train`, an evaluation's for
   *  `evaluate`. */
  kind: z.enum(JOB_KIND_NAMES).default("train"),
  attempt: z.number().int().min(1).default(1),
};

export const artifactSchema = z.object({
  kind: z.enum(ARTIFACT_KIND_NAMES),
  /** File name within the artifact directory, e.g. `adapter_model.safetensors`. */
  name: z.string().min(1),
  key: z.string().min(1),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const stateEventSchema = z.object({
  ...jobBase,
  type: z.literal("state"),
  /** `queued` means the runner handed the job back (SIGTERM, retry after a crash); `paused` that it handed it back
   *  because the job's pause key was set (its checkpoints are kept; resuming continues from the last one). */
  state: z.enum(["running", "queued", "paused", "succeeded", "failed", "cancelled"]),
  message: z.string().nullable().default(null),
  /** Present on `succeeded`: every file written, with size and checksum. */
  artifacts: z.array(artifactSchema).default([]),
  /** Present on `succeeded`: final metrics (best val_loss, best step, accuracy…). */
  summary: z.record(z.string(), z.number()).default({}),
});

export const logEventSchema = z.object({
  ...jobBase,
  type: z.literal("log"),
  level: z.enum(["debug", "info", "warning", "error"]),
  message: z.string(),
});

/** Metric names: train_loss, learning_rate, tokens_per_second, gpu_memory_mb, eta_seconds, grad_norm,
 *  val_loss, val_accuracy, val_f1_macro, and `val_loss:<dataset name>` per dataset of a multi-task mix. */
export const metricEventSchema = z.object({
  ...jobBase,
  type: z.literal("metric"),
  step: z.number().int().min(0),
  epoch: z.number().min(0),
  values: z.record(z.string().min(1), z.number()),
});

/** One file of a checkpoint folder: its name relative to the folder (`key`), size and checksum. */
export const checkpointFileSchema = z.object({
  name: z.string().min(1),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type CheckpointFile = z.infer<typeof checkpointFileSchema>;

export const checkpointEventSchema = z.object({
  ...jobBase,
  type: z.literal("checkpoint"),
  step: z.number().int().min(0),
  key: z.string().min(1),
  bytes: z.number().int().min(0),
  /** Every file written under `key` (not the completion marker), with size and sha256 like artifacts; runners
   *  before this field leave it out. */
  files: z.array(checkpointFileSchema).optional(),
});

export const heartbeatEventSchema = z.object({
  ...base,
  type: z.literal("heartbeat"),
  gpuName: z.string().nullable(),
  vramMb: z.number().int().min(0).nullable(),
  cudaVersion: z.string().nullable(),
  /** GPUs this runner has, and those not held by its current job (decision 0014); 0 on a CPU runner. Runners older
   *  than multi-GPU jobs leave them out (read as one GPU when vramMb is set). */
  gpuCount: z.number().int().min(0).optional(),
  gpusFree: z.number().int().min(0).optional(),
  state: z.enum(["idle", "busy", "draining", "disabled"]),
  currentJobId: z.string().nullable(),
  version: z.string(),
});

export const runnerEventSchema = z.discriminatedUnion("type", [
  stateEventSchema,
  logEventSchema,
  metricEventSchema,
  checkpointEventSchema,
  heartbeatEventSchema,
]);
export type RunnerEvent = z.infer<typeof runnerEventSchema>;
export type RunnerEventInput = z.input<typeof runnerEventSchema>;
