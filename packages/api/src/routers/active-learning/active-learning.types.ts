/** Schemas shared by the active-learning procedures (REST under /active-learning). */
import { JOB_STATES } from "@whetstone/core";
import { ALL_STRATEGIES, activeLearningTaskSchema } from "@whetstone/queue";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { projectLabelSchema } from "../../active-learning/project-labels";

export const TAG = ["Active learning"];

/** The OpenAPI meta of an active-learning procedure. */
export const alMeta = (
  method: "GET" | "POST" | "DELETE",
  path: `/active-learning/${string}`,
  summary: string,
  description?: string,
): OpenApiMeta => ({
  openapi: { method, path, tags: TAG, summary, ...(description ? { description } : {}), protect: true },
});

export const projectIdInput = z.object({ projectId: z.string().min(1) });
export const itemInput = z.object({ projectId: z.string().min(1), itemId: z.string().min(1) });

const versionOutput = z.object({
  id: z.string(),
  datasetId: z.string(),
  name: z.string(),
  version: z.number().int(),
  rows: z.number().int(),
  format: z.string(),
});
const state = z.enum(JOB_STATES);

export const projectOutput = z.object({
  id: z.string(),
  name: z.string(),
  task: activeLearningTaskSchema,
  labels: z.array(projectLabelSchema),
  strategy: z.string(),
  batchSize: z.number().int(),
  trainFrom: z.enum(["previous", "base"]),
  maxCandidates: z.number().int().nullable(),
  hyperparameters: z.record(z.string(), z.unknown()),
  baseModel: z.object({ id: z.string(), name: z.string() }),
  pool: versionOutput,
  heldOut: versionOutput,
  seed: versionOutput.nullable(),
  labelsDatasetId: z.string().nullable(),
  counts: z.object({
    picked: z.number().int(),
    pending: z.number().int(),
    assigned: z.number().int(),
    labelled: z.number().int(),
    skipped: z.number().int(),
    conflict: z.number().int(),
  }),
  rounds: z.array(
    z.object({
      id: z.string(),
      number: z.number().int(),
      strategy: z.string(),
      batchSize: z.number().int(),
      /** The scoring job's state (round 0, the seed, has none: succeeded). */
      state,
      error: z.string().nullable(),
      progressDone: z.number().int(),
      progressTotal: z.number().int().nullable(),
      scoringModel: z.object({ id: z.string(), name: z.string() }),
      picked: z.number().int(),
      labelled: z.number().int(),
      /** Labels the round's model learned from (seed included); null until it is retrained. */
      labelCount: z.number().int().nullable(),
      trainJob: z.object({ id: z.string(), name: z.string(), state, error: z.string().nullable() }).nullable(),
      model: z.object({ id: z.string(), name: z.string() }).nullable(),
      evaluation: z
        .object({
          id: z.string(),
          state,
          error: z.string().nullable(),
          metric: z.string().nullable(),
          value: z.number().nullable(),
        })
        .nullable(),
      createdAt: z.date(),
      finishedAt: z.date().nullable(),
    }),
  ),
  /** The held-out metric against the number of labels, a point per evaluated round; `base`: the base model's. */
  curve: z.object({
    metric: z.string().nullable(),
    base: z.number().nullable(),
    points: z.array(z.object({ round: z.number().int(), labels: z.number().int(), value: z.number() })),
  }),
  simulation: z
    .object({
      id: z.string(),
      state,
      error: z.string().nullable(),
      strategies: z.array(z.string()),
      settings: z.record(z.string(), z.unknown()),
      progressDone: z.number().int(),
      progressTotal: z.number().int().nullable(),
      /** The simulation report (reportVersion 1) once succeeded. */
      report: z.unknown(),
      createdAt: z.date(),
      finishedAt: z.date().nullable(),
    })
    .nullable(),
  /** What to do next: start_round, label, retrain, wait_for_scoring, wait_for_training. */
  next: z.enum(["start_round", "label", "retrain", "wait_for_scoring", "wait_for_training"]),
  createdAt: z.date(),
});

export const projectListOutput = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      task: activeLearningTaskSchema,
      strategy: z.string(),
      baseModel: z.object({ id: z.string(), name: z.string() }),
      rounds: z.number().int(),
      picked: z.number().int(),
      labelled: z.number().int(),
      createdAt: z.date(),
    }),
  ),
});

export const createProjectInput = z.object({
  name: z.string().trim().min(1).max(120),
  task: activeLearningTaskSchema,
  labels: z.array(projectLabelSchema).max(1000).optional(),
  baseModelId: z.string().min(1),
  poolVersionId: z.string().min(1),
  heldOutVersionId: z.string().min(1),
  seedVersionId: z.string().min(1).optional(),
  strategy: z.enum(ALL_STRATEGIES).optional(),
  batchSize: z.number().int().min(1).max(1000).optional(),
  trainFrom: z.enum(["previous", "base"]).optional(),
  hyperparameters: z.record(z.string(), z.unknown()).optional(),
  maxCandidates: z.number().int().min(1).nullable().optional(),
});

export const itemOutput = z.object({
  id: z.string(),
  roundId: z.string(),
  poolRow: z.number().int(),
  text: z.string(),
  /** Higher: more worth labelling, by the round's strategy. */
  score: z.number(),
  rank: z.number().int(),
  /** The model's current answer: `{label, confidence, probabilities}` or `{answer}`. */
  prediction: z.unknown(),
  /** Why it was picked, in one sentence. */
  reason: z.string(),
  status: z.string(),
  assignedAt: z.date().nullable(),
});

export const labelledItemOutput = z.object({
  id: z.string(),
  poolRow: z.number().int(),
  status: z.enum(["pending", "assigned", "labelled", "skipped", "conflict"]),
  /** The agreed label or answer; null while unlabelled or in conflict. */
  value: z.string().nullable(),
  assigneeId: z.string().nullable(),
  labels: z.array(z.object({ userId: z.string(), value: z.string(), updatedAt: z.date() })),
});
