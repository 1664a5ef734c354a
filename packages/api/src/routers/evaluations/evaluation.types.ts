import { JOB_STATES, TECHNIQUES } from "@whetstone/core";
import { z } from "zod";
import { evaluationSummarySchema } from "../../evaluations/evaluation-report";

/** Schemas shared by the evaluations procedures. */
export const evaluationIdInput = z.object({ id: z.string().min(1) });

export const evaluationOutput = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(JOB_STATES),
  technique: z.enum(TECHNIQUES),
  /** "test": the held-out test split of `sourceJob` (splitFraction of each dataset, seed); "all": every row. */
  splitKind: z.enum(["test", "all"]),
  splitFraction: z.number(),
  seed: z.number().int(),
  /** The training job whose test split is evaluated (the automatic evaluation after training). */
  sourceJob: z.object({ id: z.string(), name: z.string() }).nullable(),
  /** The reference first (position 0), then the models compared with it. `label` names the model in the report. */
  models: z.array(
    z.object({
      position: z.number().int(),
      modelId: z.string(),
      label: z.string(),
      name: z.string(),
      source: z.enum(["huggingface", "local", "artifact"]),
      /** The job that produced the model (source "artifact"). */
      sourceJobId: z.string().nullable(),
      reference: z.boolean(),
    }),
  ),
  datasets: z.array(
    z.object({
      datasetVersionId: z.string(),
      datasetId: z.string(),
      datasetName: z.string(),
      version: z.number().int(),
      format: z.string(),
      rows: z.number().int(),
    }),
  ),
  examplesDone: z.number().int(),
  examplesTotal: z.number().int().nullable(),
  /** The failure's reason once failed; while queued or running, the last error the runner logged (if any). */
  error: z.string().nullable(),
  runnerName: z.string().nullable(),
  attempt: z.number().int(),
  createdAt: z.date(),
  enqueuedAt: z.date().nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  /** Once succeeded: headline, warnings, per-task scores, comparisons with flip counts (the report's small part). */
  summary: evaluationSummarySchema.nullable(),
});
