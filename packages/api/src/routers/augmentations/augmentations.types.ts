import { AUGMENTATION_METHODS } from "@whetstone/queue";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { hyperparametersSchema, methodSchema, techniqueSchema } from "@whetstone/core";

const augmentationOutput = z.object({
  id: z.string(),
  sourceVersionId: z.string(),
  method: z.string(),
  settings: z.record(z.string(), z.unknown()),
  state: z.string(),
  error: z.string().nullable(),
  rowsDone: z.number().int(),
  rowsTotal: z.number().int().nullable(),
  summary: z.record(z.string(), z.unknown()).nullable(),
  /** The dataset version made from the source and the new rows (null until it exists). */
  resultVersionId: z.string().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});

export const createAugmentationMeta = {
  openapi: {
    method: "POST",
    path: "/dataset-versions/{id}/augment",
    tags: ["Datasets"],
    summary: "Augment a small dataset version (queued job)",
    description:
      "Queues an `augment` job: `perturb` (classification: word dropout and swaps) or `generate` (a model of the team " +
      "writes paraphrased questions for SFT data, new texts for a label for classification). Every new row records its " +
      "source row and method; generated rows never enter validation or test splits; near duplicates of existing rows " +
      "are dropped. When it succeeds, GET /augmentations/{id} makes and returns the new version.",
    protect: true,
  },
} satisfies OpenApiMeta;
export const createAugmentationInput = z.object({
  id: z.string().min(1),
  method: z.enum(AUGMENTATION_METHODS),
  targetRows: z.number().int().min(1).max(100_000),
  perRow: z.number().int().min(1).max(10).optional(),
  wordDropout: z.number().min(0).max(0.5).optional(),
  swaps: z.number().int().min(0).max(10).optional(),
  generatorModelId: z.string().min(1).optional(),
  /** `generate` with the OpenAI-compatible endpoint an instance admin configured (see generatorAvailability). */
  generatorEndpoint: z.boolean().optional(),
  maxNewTokens: z.number().int().min(8).max(2048).optional(),
  temperature: z.number().min(0).max(2).optional(),
  seed: z.number().int().min(0).optional(),
});
export const createAugmentationOutput = augmentationOutput;

export const getAugmentationMeta = {
  openapi: {
    method: "GET",
    path: "/augmentations/{id}",
    tags: ["Datasets"],
    summary: "An augmentation: progress, the new version, and its did-it-help comparison",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getAugmentationInput = z.object({ id: z.string().min(1) });
export const getAugmentationOutput = augmentationOutput.extend({
  comparison: z
    .array(
      z.object({
        arm: z.enum(["without", "with"]),
        job: z.object({ id: z.string(), name: z.string(), state: z.string() }).nullable(),
        evaluation: z.record(z.string(), z.unknown()).nullable(),
      }),
    )
    .nullable(),
});

export const compareAugmentationMeta = {
  openapi: {
    method: "POST",
    path: "/augmentations/{id}/compare",
    tags: ["Datasets"],
    summary: "Did it help? Train twice — without and with the new rows — with the same settings and seed",
    protect: true,
  },
} satisfies OpenApiMeta;
export const compareAugmentationInput = z.object({
  id: z.string().min(1),
  baseModelId: z.string().min(1),
  technique: techniqueSchema,
  method: methodSchema.optional(),
  hyperparameters: hyperparametersSchema.partial().optional(),
});
export const compareAugmentationOutput = z.object({ withoutJobId: z.string(), withJobId: z.string() });

export const listAugmentationsMeta = {
  openapi: {
    method: "GET",
    path: "/dataset-versions/{id}/augmentations",
    tags: ["Datasets"],
    summary: "Augmentations of a dataset version, newest first",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listAugmentationsInput = z.object({ id: z.string().min(1) });
export const listAugmentationsOutput = z.array(augmentationOutput);

export const cancelAugmentationMeta = {
  openapi: {
    method: "POST",
    path: "/augmentations/{id}/cancel",
    tags: ["Datasets"],
    summary: "Cancel an augmentation that has not finished",
    description:
      "One no runner holds yet is cancelled at once; a running one when its runner confirms (the answer still shows " +
      "it running). A cancelled augmentation makes no dataset version and leaves no files. 412 when it has finished.",
    protect: true,
  },
} satisfies OpenApiMeta;
export const cancelAugmentationInput = z.object({ id: z.string().min(1) });
export const cancelAugmentationOutput = augmentationOutput;

export const generatorAvailabilityMeta = {
  openapi: {
    method: "GET",
    path: "/augmentation-generator-endpoint",
    tags: ["Datasets"],
    summary: "Whether an instance admin configured an OpenAI-compatible endpoint to generate rows with (and its model)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const generatorAvailabilityInput = z.void();
export const generatorAvailabilityOutput = z.object({ configured: z.boolean(), model: z.string().nullable() });
