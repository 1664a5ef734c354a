import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { jobIdInput, jobStateSchema, jobSummaryOutput } from "./job.types";

// ── list
export const listJobsMeta = {
  openapi: {
    method: "GET",
    path: "/jobs",
    tags: ["Jobs"],
    summary: "Jobs of the team, newest first (cursor pagination)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listJobsInput = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
  state: jobStateSchema.optional(),
});
export const listJobsOutput = z.object({ items: z.array(jobSummaryOutput), nextCursor: z.string().nullable() });

// ── get
const artifactOutput = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  key: z.string(),
  bytes: z.number(),
  sha256: z.string(),
  createdAt: z.date(),
});
export const getJobMeta = {
  openapi: {
    method: "GET",
    path: "/jobs/{id}",
    tags: ["Jobs"],
    summary: "A job with datasets, base model, artifacts, checkpoints and state timeline",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getJobInput = jobIdInput;
export const getJobOutput = jobSummaryOutput.extend({
  baseModel: z.object({
    id: z.string(),
    name: z.string(),
    source: z.enum(["huggingface", "local", "artifact"]),
    ref: z.string(),
    parent: z.object({ id: z.string(), name: z.string() }).nullable(),
  }),
  producedModel: z.object({ id: z.string(), name: z.string() }).nullable(),
  hyperparameters: z.record(z.string(), z.unknown()),
  validationSplit: z.number(),
  seed: z.number().int(),
  /** Per GPU, MiB. */
  requiredVramMb: z.number().int(),
  /** GPUs the job runs on, and how they share the model (decision 0014). */
  gpuCount: z.number().int(),
  parallelism: z.enum(["ddp", "fsdp"]),
  attempt: z.number().int(),
  enqueuedAt: z.date().nullable(),
  updatedAt: z.date(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  artifacts: z.array(artifactOutput),
  checkpoints: z.array(
    z.object({
      id: z.string(),
      step: z.number().int(),
      key: z.string(),
      bytes: z.number(),
      /** Each file with size and sha256, downloadable at /jobs/{id}/checkpoints/{step}/files/{name}; null when
       *  the runner did not report them. */
      files: z.array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() })).nullable(),
      createdAt: z.date(),
    }),
  ),
  timeline: z.array(
    z.object({
      state: jobStateSchema.nullable(),
      reason: z.string().nullable(),
      level: z.enum(["debug", "info", "warning", "error"]),
      at: z.date(),
    }),
  ),
});

// ── events
export const listJobEventsMeta = {
  openapi: {
    method: "GET",
    path: "/jobs/{id}/events",
    tags: ["Jobs"],
    summary: "The job's log, oldest first; poll with after=<cursor> to tail",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listJobEventsInput = z.object({
  id: z.string().min(1),
  after: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  kind: z.enum(["state", "log", "platform"]).optional(),
});
export const listJobEventsOutput = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      level: z.enum(["debug", "info", "warning", "error"]),
      kind: z.string(),
      message: z.string(),
      createdAt: z.date(),
    }),
  ),
  cursor: z.string().nullable(),
  hasMore: z.boolean(),
  jobState: jobStateSchema,
});

// ── metrics
export const getJobMetricsMeta = {
  openapi: {
    method: "GET",
    path: "/jobs/{id}/metrics",
    tags: ["Jobs"],
    summary: "Metric series of a job (train_loss, val_loss…), optionally after a step",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getJobMetricsInput = z.object({
  id: z.string().min(1),
  sinceStep: z.coerce.number().int().min(0).optional(),
});
export const getJobMetricsOutput = z.object({
  series: z.array(
    z.object({
      name: z.string(),
      points: z.array(z.object({ step: z.number().int(), epoch: z.number(), value: z.number() })),
    }),
  ),
  lastStep: z.number().int().nullable(),
});

// ── artifacts
export const listJobArtifactsMeta = {
  openapi: {
    method: "GET",
    path: "/jobs/{id}/artifacts",
    tags: ["Jobs"],
    summary: "Files a job produced, with size and sha256",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listJobArtifactsInput = jobIdInput;
export const listJobArtifactsOutput = z.array(artifactOutput);

// ── cancel
export const cancelJobMeta = {
  openapi: {
    method: "POST",
    path: "/jobs/{id}/cancel",
    tags: ["Jobs"],
    summary: "Cancel a job that has not finished",
    protect: true,
  },
} satisfies OpenApiMeta;
export const cancelJobInput = jobIdInput;
export const cancelJobOutput = jobSummaryOutput;
