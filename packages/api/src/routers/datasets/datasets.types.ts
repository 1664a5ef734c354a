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
  createdAt: z.date(),
});
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
  versions: z.array(datasetVersionSummaryOutput),
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
