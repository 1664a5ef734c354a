import { JOB_STATES, METHODS, TECHNIQUES } from "@whetstone/core";
import { z } from "zod";

/** Schemas shared by the jobs procedures. */
export const jobStateSchema = z.enum(JOB_STATES);
export const jobIdInput = z.object({ id: z.string().min(1) });

export const jobSummaryOutput = z.object({
  id: z.string(),
  name: z.string(),
  state: jobStateSchema,
  cancelling: z.boolean(),
  technique: z.enum(TECHNIQUES),
  method: z.enum(METHODS),
  priority: z.number().int(),
  currentStep: z.number().int(),
  totalSteps: z.number().int().nullable(),
  pendingReason: z.string().nullable(),
  error: z.string().nullable(),
  runnerName: z.string().nullable(),
  createdAt: z.date(),
  queuedAt: z.date().nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  cancelRequestedAt: z.date().nullable(),
  baseModel: z.object({ id: z.string(), name: z.string() }),
  datasets: z.array(
    z.object({
      datasetVersionId: z.string(),
      datasetId: z.string(),
      datasetName: z.string(),
      version: z.number().int(),
      format: z.string(),
      weight: z.number(),
    }),
  ),
  /** The explicit validation set; null: validationSplit of the training data is held out. */
  validationSet: z
    .object({
      datasetVersionId: z.string(),
      datasetId: z.string(),
      datasetName: z.string(),
      version: z.number().int(),
      format: z.string(),
    })
    .nullable(),
});
