/**
 * The payload of every job on the queues: one schema discriminated by `kind`. Each kind's own schema lives in its
 * file (training-job.ts, evaluation-job.ts, generation-job.ts); add the next kind there and to JOB_KINDS in contract.ts.
 */
import { z } from "zod";
import { scoreJobPayloadSchema, simulationJobPayloadSchema } from "./active-learning-job";
import { augmentationJobPayloadSchema } from "./augmentation-job";
import { evaluationJobPayloadSchema } from "./evaluation-job";
import { generationJobPayloadSchema } from "./generation-job";
import { mergeJobPayloadSchema } from "./merge-job";
import { trainingJobPayloadSchema } from "./training-job";

export const jobPayloadSchemas = {
  train: trainingJobPayloadSchema,
  evaluate: evaluationJobPayloadSchema,
  generate: generationJobPayloadSchema,
  score: scoreJobPayloadSchema,
  simulate: simulationJobPayloadSchema,
  augment: augmentationJobPayloadSchema,
  merge: mergeJobPayloadSchema,
} as const;

export const jobPayloadSchema = z.discriminatedUnion("kind", [
  trainingJobPayloadSchema,
  evaluationJobPayloadSchema,
  generationJobPayloadSchema,
  scoreJobPayloadSchema,
  simulationJobPayloadSchema,
  augmentationJobPayloadSchema,
  mergeJobPayloadSchema,
]);
export type JobPayload = z.infer<typeof jobPayloadSchema>;
