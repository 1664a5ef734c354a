import { JOB_STATES } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { evaluationReportSchema } from "../../evaluations/evaluation-report";
import { evaluationSettingsSchema } from "../../evaluations/evaluation-settings";
import { evaluationIdInput, evaluationOutput } from "./evaluation.types";

// ── list
export const listEvaluationsMeta = {
  openapi: {
    method: "GET",
    path: "/evaluations",
    tags: ["Evaluations"],
    summary: "Evaluations of the team, newest first (cursor pagination), by training job or model",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listEvaluationsInput = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
  /** Evaluations on this training job's test split (the automatic one after training first among them). */
  jobId: z.string().min(1).optional(),
  /** Evaluations in which this model is compared. */
  modelId: z.string().min(1).optional(),
  state: z.enum(JOB_STATES).optional(),
});
export const listEvaluationsOutput = z.object({ items: z.array(evaluationOutput), nextCursor: z.string().nullable() });

// ── get
export const getEvaluationMeta = {
  openapi: {
    method: "GET",
    path: "/evaluations/{id}",
    tags: ["Evaluations"],
    summary: "An evaluation with its summary and, once succeeded, the whole report (per-example flips included)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getEvaluationInput = evaluationIdInput;
export const getEvaluationOutput = evaluationOutput.extend({
  settings: evaluationSettingsSchema,
  updatedAt: z.date(),
  reportKey: z.string().nullable(),
  reportBytes: z.number().nullable(),
  reportSha256: z.string().nullable(),
  /** The report (reportVersion 1) read from storage; null until succeeded, or when it can no longer be read. */
  report: evaluationReportSchema.nullable(),
  /** Why `report` is null although the evaluation succeeded. */
  reportError: z.string().nullable(),
});

// ── cancel
export const cancelEvaluationMeta = {
  openapi: {
    method: "POST",
    path: "/evaluations/{id}/cancel",
    tags: ["Evaluations"],
    summary: "Cancel an evaluation that has not finished",
    description:
      "One no runner holds yet is cancelled at once; a running one when its runner confirms (the answer still shows it running).",
    protect: true,
  },
} satisfies OpenApiMeta;
export const cancelEvaluationInput = evaluationIdInput;
export const cancelEvaluationOutput = evaluationOutput;
