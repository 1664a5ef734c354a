import { z } from "zod";
import { techniqueSchema } from "@whetstone/core";
import { baseModelRefSchema, payloadDatasetSchema } from "./training-job";

/** One model of an evaluation: its label in the report and where to load it from (adapters stay unmerged). */
export const evaluatedModelSchema = z.object({
  /** The BaseModel row (a base, or an earlier job's output). */
  modelId: z.string().min(1),
  /** Name shown in the report, e.g. "SmolLM2-135M-Instruct" or the fine-tuning job's name. */
  label: z.string().min(1),
  ref: baseModelRefSchema,
});

/**
 * Which rows of each dataset are evaluated. `test`: the held-out test split a training job carved (the runner
 * carves it the same way: dataset i's rows shuffled with seed `seed + i`, the first `fraction` of them); `all`: every
 * row (a dataset version named as the evaluation set).
 */
export const evaluationSplitSchema = z.object({
  kind: z.enum(["test", "all"]),
  fraction: z.number().min(0).max(0.5).default(0),
  seed: z.number().int().min(0).default(42),
});

/** Data of an `evaluate` job: on queue `training` (job name `evaluation.run`, BullMQ job id = evaluation id). */
export const evaluationJobPayloadSchema = z.object({
  kind: z.literal("evaluate"),
  schemaVersion: z.literal(1),
  /** The evaluation's id (events about it carry it as `jobId`, with `kind` "evaluate"). */
  jobId: z.string().min(1),
  teamId: z.string().min(1),
  technique: techniqueSchema,
  /** The reference model first (the base of a fine-tune); every other model is compared with it. */
  models: z.array(evaluatedModelSchema).min(1).max(8),
  /** One entry per task; several make a multi-task report (metrics per task). */
  datasets: z.array(payloadDatasetSchema).min(1).max(16),
  split: evaluationSplitSchema,
  /** At most this many examples per dataset (a seeded sample when there are more). */
  maxExamples: z.number().int().min(1).max(100_000).default(300),
  maxSeqLength: z.number().int().min(16).max(131_072).default(512),
  /** Greedy generation length for supervised fine-tuning's ROUGE-L / chrF / exact match. */
  maxNewTokens: z.number().int().min(1).max(4096).default(64),
  bootstrapResamples: z.number().int().min(100).max(100_000).default(1000),
  seed: z.number().int().min(0).default(42),
  /** Storage prefix of the report (`<prefix>report.json`). Ends with "/". */
  outputPrefix: z.string().regex(/\/$/),
  requiredVramMb: z.number().int().min(0).default(0),
});
export type EvaluationJobPayload = z.infer<typeof evaluationJobPayloadSchema>;
export type EvaluationJobPayloadInput = z.input<typeof evaluationJobPayloadSchema>;
