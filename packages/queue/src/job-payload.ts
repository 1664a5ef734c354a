/**
 * The payload of every job on the queues: one schema discriminated by `kind`. Each kind's own schema lives in its
 * file (training-job.ts for `train`); add the next kind there and to JOB_KINDS in contract.ts.
 */
import { z } from "zod";
import { trainingJobPayloadSchema } from "./training-job";

export const jobPayloadSchemas = {
  train: trainingJobPayloadSchema,
} as const;

export const jobPayloadSchema = z.discriminatedUnion("kind", [trainingJobPayloadSchema]);
export type JobPayload = z.infer<typeof jobPayloadSchema>;
