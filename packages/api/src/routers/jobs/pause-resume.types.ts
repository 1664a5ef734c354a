import type { OpenApiMeta } from "trpc-to-openapi";
import { jobIdInput, jobSummaryOutput } from "./job.types";

export const pauseJobMeta = {
  openapi: {
    method: "POST",
    path: "/jobs/{id}/pause",
    tags: ["Jobs"],
    summary: "Pause a queued or running job: its runner hands it back keeping its checkpoints (decision 0010)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const pauseJobInput = jobIdInput;
export const pauseJobOutput = jobSummaryOutput;

export const resumeJobMeta = {
  openapi: {
    method: "POST",
    path: "/jobs/{id}/resume",
    tags: ["Jobs"],
    summary: "Resume a paused job: back through quota admission, continuing from its newest checkpoint",
    protect: true,
  },
} satisfies OpenApiMeta;
export const resumeJobInput = jobIdInput;
export const resumeJobOutput = jobSummaryOutput;
