import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

const link = z.object({ id: z.string(), name: z.string() }).nullable();
export const baseModelOutput = z.object({
  id: z.string(),
  teamId: z.string().nullable(),
  instanceWide: z.boolean(),
  name: z.string(),
  source: z.enum(["huggingface", "local", "artifact"]),
  ref: z.string(),
  revision: z.string().nullable(),
  parameterCount: z.number().nullable(),
  contextLength: z.number().int().nullable(),
  artifactKind: z.string().nullable(),
  createdAt: z.date(),
  /** Lineage: the model an artifact was trained from, and the job that produced it. */
  parent: link,
  sourceJob: link,
});

export const listBaseModelsMeta = {
  openapi: {
    method: "GET",
    path: "/base-models",
    tags: ["Base models"],
    summary: "Base models of the team and of the instance, with lineage",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listBaseModelsInput = z.void();
export const listBaseModelsOutput = z.array(baseModelOutput);

export const getBaseModelMeta = {
  openapi: {
    method: "GET",
    path: "/base-models/{id}",
    tags: ["Base models"],
    summary: "One base model",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getBaseModelInput = z.object({ id: z.string().min(1) });

export const registerBaseModelMeta = {
  openapi: {
    method: "POST",
    path: "/base-models",
    tags: ["Base models"],
    summary: "Register a Hugging Face id or a local directory as a base model",
    protect: true,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;
export const registerBaseModelInput = z.object({
  name: z.string().trim().min(1).max(120),
  source: z.enum(["huggingface", "local"]),
  ref: z.string().min(1).max(1000),
  revision: z.string().min(1).max(200).nullish(),
  parameterCount: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).nullish(),
  contextLength: z.number().int().positive().max(10_000_000).nullish(),
});
