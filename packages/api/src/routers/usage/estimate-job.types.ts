import { jobSpecSchema } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const estimateJobMeta = {
  openapi: {
    method: "POST",
    path: "/jobs/estimate",
    tags: ["Jobs"],
    summary: "Estimate a job's GPU memory and duration before creating it",
    description:
      "Takes the same spec as POST /jobs. Model numbers come from the base model (parameter count, or a published configuration matched by name), dataset tokens from the versions' profiles. Returns the estimate with every assumption, and whether a registered runner has enough GPU memory.",
    protect: true,
  },
} satisfies OpenApiMeta;

export const estimateJobInput = jobSpecSchema;

const bytes = z.object({
  weights: z.number(),
  trainableParams: z.number(),
  gradients: z.number(),
  optimizerState: z.number(),
  activations: z.number(),
  overhead: z.number(),
  total: z.number(),
});

export const estimateJobOutput = z.object({
  /** false when the model's size is unknown: nothing below is estimated (see assumptions). */
  estimated: z.boolean(),
  /** GPU memory the scheduler requires (estimate + safety margin) on each GPU, MiB; 0 when not estimated. */
  requiredVramMb: z.number().int(),
  /** The job's GPUs and how they share the model (decision 0014): DDP, or FSDP when it does not fit one GPU. */
  gpus: z.object({ count: z.number().int(), parallelism: z.enum(["ddp", "fsdp"]), reason: z.string() }),
  vramBytes: bytes.nullable(),
  durationSeconds: z.number().nullable(),
  gpuHours: z.number().nullable(),
  tokensTotal: z.number().nullable(),
  trainableParameters: z.number().nullable(),
  /** Whether the job runs with gradient checkpointing: the spec's true/false, or the pick for "auto". */
  gradientCheckpointing: z.boolean().nullable(),
  /** Checkpointing on against off for this job: memory saved, extra time (0.5 = 50 % longer), the fit each way. */
  checkpointing: z
    .object({
      auto: z.boolean(),
      savedBytes: z.number(),
      slowdown: z.number(),
      gpuMemoryBytes: z.number().nullable(),
      fitsWithout: z.boolean().nullable(),
      fitsWith: z.boolean().nullable(),
    })
    .nullable(),
  datasetTokens: z.number(),
  model: z.object({
    id: z.string(),
    name: z.string(),
    preset: z.string().nullable(),
    parameters: z.number().nullable(),
    contextLength: z.number().int().nullable(),
  }),
  /** The largest runner that is not offline or disabled, and whether the job fits it; null with no GPU runner registered. */
  largestRunner: z.object({ name: z.string(), vramMb: z.number().int(), fits: z.boolean() }).nullable(),
  assumptions: z.array(z.string()),
});
