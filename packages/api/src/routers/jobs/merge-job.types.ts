import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { jobIdInput } from "./job.types";

/** Merged weights on request for a finished LoRA/QLoRA job (decision 0013; jobs/merge-job-weights.ts). */
export const mergeStatusOutput = z.object({
  jobId: z.string(),
  /** none: never asked (or the queued merge was lost: ask again); merging: queued or running; merged: artifacts below. */
  state: z.enum(["none", "merging", "merged", "failed"]),
  error: z.string().nullable(),
  artifacts: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      name: z.string(),
      key: z.string(),
      bytes: z.number(),
      sha256: z.string(),
      createdAt: z.date(),
    }),
  ),
});

export const mergeJobMeta = {
  openapi: {
    method: "POST",
    path: "/jobs/{id}/merge",
    tags: ["Jobs"],
    summary:
      "Merge a succeeded LoRA/QLoRA job's adapter into its base: merged_model artifacts (safetensors, tokenizer, model card) " +
      "added to the job; answered with them when they exist already",
    protect: true,
  },
} satisfies OpenApiMeta;
export const mergeJobInput = jobIdInput;
export const mergeJobOutput = mergeStatusOutput;

export const getJobMergeMeta = {
  openapi: {
    method: "GET",
    path: "/jobs/{id}/merge",
    tags: ["Jobs"],
    summary: "Where the merge of a job's weights stands: none, merging, merged (with its artifacts) or failed (why)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getJobMergeInput = jobIdInput;
export const getJobMergeOutput = mergeStatusOutput;
