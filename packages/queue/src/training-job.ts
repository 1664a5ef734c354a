import { z } from "zod";
import { DATASET_FORMATS, hyperparametersSchema, methodSchema, techniqueSchema } from "@whetstone/core";

/** Base model as the runner needs it: where to load weights from. */
export const baseModelRefSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  /** huggingface: `ref` is a Hub id; local: `ref` is a directory on the runner host; artifact: `ref` is the storage
   *  prefix of an earlier job's output (transfer learning), and `parent` is that job's own base. */
  source: z.enum(["huggingface", "local", "artifact"]),
  ref: z.string().min(1),
  revision: z.string().min(1).nullable().default(null),
  /** For source "artifact": "adapter" (a PEFT adapter to load on `parent`) or "merged" (full weights under `ref`). */
  artifactKind: z.enum(["adapter", "merged"]).nullable().default(null),
  get parent() {
    return baseModelRefSchema.nullable().default(null);
  },
});
export type BaseModelRef = z.infer<typeof baseModelRefSchema>;

export const payloadDatasetSchema = z.object({
  datasetVersionId: z.string().min(1),
  /** Name shown in per-dataset validation metrics (`val_loss:<name>`). */
  name: z.string().min(1),
  /** Storage key of the uploaded file, relative to the storage root both sides are configured with. */
  key: z.string().min(1),
  format: z.enum(DATASET_FORMATS),
  container: z.enum(["jsonl", "csv", "tsv"]),
  weight: z.number().gt(0),
  rows: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const distributedSchema = z.object({
  processes: z.number().int().min(1).max(64),
  strategy: z.enum(["ddp", "fsdp"]),
});
export type Distributed = z.infer<typeof distributedSchema>;

/** Data of a `train` job: on queue `training` (job name `training.run`, BullMQ job id = fine-tuning job id). */
export const trainingJobPayloadSchema = z.object({
  kind: z.literal("train"),
  schemaVersion: z.literal(1),
  jobId: z.string().min(1),
  teamId: z.string().min(1),
  technique: techniqueSchema,
  method: methodSchema,
  /** Fully resolved: every field present; a technique's own (TECHNIQUE_HYPERPARAMETERS: `beta` of preference tuning)
   *  only on a job of that technique, where it is required. */
  hyperparameters: hyperparametersSchema.required().extend({
    beta: z.number().gt(0).max(10).optional(),
    /** Resolved by the platform when the job is created ("auto" → the estimator's pick from the memory fit), so
     *  always true or false; absent (a payload from before the option): on for QLoRA only, as the runner did. */
    gradientCheckpointing: z.boolean().optional(),
  }),
  baseModel: baseModelRefSchema,
  datasets: z.array(payloadDatasetSchema).min(1),
  /** An explicit validation set (OpenAI's `validation_file`; a job's `validationDatasetVersionId`): every row of it is
   *  validated on — val_loss, early stopping, the best checkpoint — and no `validationSplit` is held out of
   *  `datasets` (`testSplit` still is). Empty: the split. Metrics are named by its `name` (`val_loss:<name>`). */
  validationDatasets: z.array(payloadDatasetSchema).max(1).default([]),
  /** Classification: the declared label set (the head gets one class per entry, in this order, even for labels the
   *  data does not hold yet, as in an early active-learning round); null: the sorted distinct labels of the data. */
  labels: z.array(z.string().min(1).max(200)).min(2).max(1000).nullable().default(null),
  /** Storage prefix under which the runner writes checkpoints (`<prefix>checkpoints/step-N/`) and artifacts
   *  (`<prefix>artifacts/`). Ends with "/". */
  outputPrefix: z.string().regex(/\/$/),
  /** VRAM the job is estimated to need, in MiB; a runner with less does not take it. */
  requiredVramMb: z.number().int().min(0).default(0),
  /** How the runner spreads the job over its GPUs (decision 0014): one process per GPU under torchrun, "ddp" (every
   *  GPU holds the whole model) or "fsdp" (weights, gradients and optimizer state sharded: a model that does not fit
   *  one GPU). `hyperparameters.batchSize` stays the global batch: each process takes batchSize / processes. A GPU
   *  runner with fewer GPUs than `processes` does not take the job. */
  distributed: distributedSchema.default({ processes: 1, strategy: "ddp" }),
});
export type TrainingJobPayload = z.infer<typeof trainingJobPayloadSchema>;
export type TrainingJobPayloadInput = z.input<typeof trainingJobPayloadSchema>;
