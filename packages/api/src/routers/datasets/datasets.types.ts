import { techniqueSchema } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const datasetVersionSummaryOutput = z.object({
  id: z.string(),
  version: z.number().int(),
  filename: z.string(),
  container: z.string(),
  format: z.string(),
  rowCount: z.number().int(),
  bytes: z.number(),
  sha256: z.string(),
  /** Set on a version made from another one (a cleaned version). */
  parentVersionId: z.string().nullable(),
  createdAt: z.date(),
});
/** The readiness verdict of a version and the one line that says why (null: uploaded before readiness existed). */
const readinessVerdictOutput = z
  .object({ verdict: z.enum(["ready", "needs_attention", "blocked"]), reason: z.string() })
  .nullable();
/** The readiness report (DatasetReadiness in @whetstone/core): checks with severity, count, masked examples, action. */
const readinessReport = z.record(z.string(), z.unknown());
const datasetBase = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
/** The profile JSON computed at upload (DatasetProfile in @whetstone/core). */
const profile = z.record(z.string(), z.unknown());
const idInput = z.object({ id: z.string().min(1) });

export const listDatasetsMeta = {
  openapi: {
    method: "GET",
    path: "/datasets",
    tags: ["Datasets"],
    summary: "Datasets of the team with their latest version",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listDatasetsInput = z.void();
export const listDatasetsOutput = z.array(
  datasetBase.extend({ versionCount: z.number().int(), latestVersion: datasetVersionSummaryOutput.nullable() }),
);

export const getDatasetMeta = {
  openapi: {
    method: "GET",
    path: "/datasets/{id}",
    tags: ["Datasets"],
    summary: "A dataset with all its versions and the latest profile",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getDatasetInput = idInput;
export const getDatasetOutput = datasetBase.extend({
  versions: z.array(datasetVersionSummaryOutput.extend({ readiness: readinessVerdictOutput })),
  latestProfile: profile.nullable(),
});

export const getDatasetVersionMeta = {
  openapi: {
    method: "GET",
    path: "/dataset-versions/{id}",
    tags: ["Datasets"],
    summary: "A dataset version with its profile and sample rows",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getDatasetVersionInput = idInput;
export const getDatasetVersionOutput = datasetVersionSummaryOutput.extend({
  dataset: z.object({ id: z.string(), name: z.string() }),
  profile,
  sampleRows: z.array(z.record(z.string(), z.unknown())),
  readiness: readinessReport.nullable(),
  /** How a derived version was made: what was removed and why, what was masked (DatasetDerivation). */
  derivation: z.record(z.string(), z.unknown()).nullable(),
});

export const deleteDatasetMeta = {
  openapi: {
    method: "DELETE",
    path: "/datasets/{id}",
    tags: ["Datasets"],
    summary: "Delete a dataset (refused while a running job uses it)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const deleteDatasetInput = idInput;
export const deleteDatasetOutput = z.object({ id: z.string(), deletedVersions: z.number().int() });

// ─── readiness ──────────────────────────────────────────────────────────────

// The bounds are checked by the domain function (its error names the field); the document states them too.
const THRESHOLD_BOUNDS = { minimum: 0.7, maximum: 1 };
const MAX_EXAMPLES_BOUNDS = { minimum: 1, maximum: 20 };
const thresholdField = z
  .number()
  .meta(THRESHOLD_BOUNDS)
  .describe("Near-duplicate threshold: estimated Jaccard similarity of character 5-grams, from 0.7 to 1 (default 0.8)");
const maxExamplesField = z
  .number()
  .int()
  .meta(MAX_EXAMPLES_BOUNDS)
  .describe("Examples kept per check, 1 to 20 (default 5)");

export const getVersionReadinessMeta = {
  openapi: {
    method: "GET",
    path: "/dataset-versions/{id}/readiness",
    tags: ["Datasets"],
    summary: "The readiness verdict and checks of a dataset version",
    description:
      "Computed at upload in the same pass as the profile. Each check has a severity (ok, info, warning, blocker), a count, " +
      "up to N examples with their line numbers (personal data masked) and what to do. Asking for another " +
      "nearDuplicateThreshold or maxExamples re-runs the checks on the file (not stored).",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getVersionReadinessInput = z.object({
  id: z.string().min(1),
  // Range errors come from the domain function with the field named; the bounds are only stated here (meta).
  nearDuplicateThreshold: z.coerce.number().meta(THRESHOLD_BOUNDS).optional().pipe(thresholdField.optional()),
  maxExamples: z.coerce.number().int().meta(MAX_EXAMPLES_BOUNDS).optional().pipe(maxExamplesField.optional()),
});
export const getVersionReadinessOutput = readinessReport;

export const getJobReadinessMeta = {
  openapi: {
    method: "GET",
    path: "/datasets/readiness-for-job",
    tags: ["Datasets"],
    summary: "Readiness of the data of a job before it is created",
    description:
      "The verdict of each dataset version, the length of its rows in the base model's tokens against maxSeqLength " +
      "(exact with the model's tokenizer where it is readable and the file small, otherwise an estimate, labelled), the " +
      "duplicates expected to straddle the train/validation/test split, duplicates between the datasets and, with " +
      "validationDatasetVersionId, training rows in the validation set. A job on " +
      "blocked data is refused unless created with readinessOverride.reason.",
    protect: true,
  },
} satisfies OpenApiMeta;
export const getJobReadinessInput = z.object({
  /** Comma-separated dataset version ids. */
  datasetVersionIds: z.string().min(1).describe("Dataset version ids, comma-separated"),
  baseModelId: z.string().min(1).optional(),
  technique: techniqueSchema.optional(),
  maxSeqLength: z.coerce.number().int().min(16).max(131072).optional(),
  validationSplit: z.coerce.number().gt(0).max(0.5).optional(),
  testSplit: z.coerce.number().min(0).max(0.5).optional(),
  validationDatasetVersionId: z
    .string()
    .min(1)
    .optional()
    .describe("The job's explicit validation set: checked for rows that are in the training data too"),
});
export const getJobReadinessOutput = z.object({
  verdict: z.enum(["ready", "needs_attention", "blocked"]),
  reason: z.string(),
  versions: z.array(
    z.object({
      datasetVersionId: z.string(),
      dataset: z.string(),
      version: z.number().int(),
      verdict: z.enum(["ready", "needs_attention", "blocked"]).nullable(),
      reason: z.string(),
      blockers: z.array(z.string()),
    }),
  ),
  checks: z.array(z.record(z.string(), z.unknown())),
  model: z.object({ id: z.string(), name: z.string() }).nullable(),
  maxSeqLength: z.number().int(),
});

export const cleanDatasetVersionMeta = {
  openapi: {
    method: "POST",
    path: "/dataset-versions/{id}/clean",
    tags: ["Datasets"],
    summary: "Make a cleaned version: drop duplicates and label conflicts, mask personal data",
    description:
      "A new version of the same dataset without the exact and near duplicates and the rows with conflicting labels, " +
      "with personal data replaced by placeholders ([EMAIL], [CARD_NUMBER]…). It records its source version and what was " +
      "removed and why (derivation).",
    protect: true,
  },
} satisfies OpenApiMeta;
export const cleanDatasetVersionInput = z.object({
  id: z.string().min(1),
  nearDuplicateThreshold: thresholdField.optional(),
});
export const cleanDatasetVersionOutput = datasetVersionSummaryOutput.extend({
  dataset: z.object({ id: z.string(), name: z.string() }),
});
