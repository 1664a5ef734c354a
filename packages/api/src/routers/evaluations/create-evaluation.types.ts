import { techniqueSchema } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { MAX_EVALUATION_DATASETS, MAX_EVALUATION_MODELS } from "../../evaluations/create-evaluation";
import { evaluationSettingsSchema } from "../../evaluations/evaluation-settings";
import { evaluationOutput } from "./evaluation.types";

export const createEvaluationMeta = {
  openapi: {
    method: "POST",
    path: "/evaluations",
    tags: ["Evaluations"],
    summary: "Evaluate models against a reference",
    description:
      "Compares the first model (the reference, e.g. a fine-tune's base) with up to seven others on every row of dataset versions of the team (`datasetVersionIds`), or on the held-out test split of a training job (`jobId`). Each difference carries a 95% paired bootstrap confidence interval.",
    protect: true,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;

// The contract's limits without its defaults: a setting left out must stay absent here.
const settingsField = evaluationSettingsSchema.shape;

export const createEvaluationInput = z.object({
  name: z.string().trim().min(1).max(120).optional(),
  // Counted by the domain function too, so an empty list is refused with a sentence naming the field.
  models: z
    .array(z.object({ modelId: z.string().min(1), label: z.string().trim().min(1).max(120).optional() }))
    .max(MAX_EVALUATION_MODELS),
  datasetVersionIds: z.array(z.string().min(1)).max(MAX_EVALUATION_DATASETS).optional(),
  jobId: z.string().min(1).optional(),
  technique: techniqueSchema.optional(),
  /** Each left out takes its default (maxSeqLength: the job's, for a job's test split). */
  settings: z
    .object({
      maxExamples: settingsField.maxExamples.unwrap().optional(),
      maxSeqLength: settingsField.maxSeqLength.unwrap().optional(),
      maxNewTokens: settingsField.maxNewTokens.unwrap().optional(),
      bootstrapResamples: settingsField.bootstrapResamples.unwrap().optional(),
    })
    .optional(),
});
export const createEvaluationOutput = evaluationOutput;
