import { JOB_STATES } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const teamUsageOutput = z.object({
  team: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  month: z.string(),
  totalGpuSeconds: z.number(),
  totalGpuHours: z.number(),
  quota: z.object({ maxConcurrentGpus: z.number().int().nullable(), monthlyGpuHours: z.number().nullable() }),
  jobs: z.array(
    z.object({
      jobId: z.string(),
      name: z.string(),
      state: z.enum(JOB_STATES),
      startedAt: z.date().nullable(),
      finishedAt: z.date().nullable(),
      gpuSeconds: z.number(),
      gpuHours: z.number(),
    }),
  ),
  /** Per UTC day; a job's metered seconds are spread over the hours it ran. */
  days: z.array(z.object({ date: z.string(), gpuSeconds: z.number(), gpuHours: z.number() })),
});

export const getUsageMeta = {
  openapi: {
    method: "GET",
    path: "/usage",
    tags: ["Usage"],
    summary: "The team's GPU usage in a month (default: this month, UTC): per job and per day, with the quota",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getUsageInput = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month must look like 2026-11")
    .optional(),
});
export const getUsageOutput = teamUsageOutput;
