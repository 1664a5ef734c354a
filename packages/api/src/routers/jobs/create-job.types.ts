import { jobSpecSchema } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { jobSummaryOutput } from "./job.types";

export const createJobMeta = {
  openapi: {
    method: "POST",
    path: "/jobs",
    tags: ["Jobs"],
    summary: "Create a fine-tuning job",
    description:
      "Validates the spec (base model visible to the team, dataset versions of the team in formats the technique reads) and queues the job.",
    protect: true,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;

export const createJobInput = jobSpecSchema;
export const createJobOutput = jobSummaryOutput;
