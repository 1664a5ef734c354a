/** What every evaluation listing shows: the row, its models (reference first) and datasets, and the report's summary. */
import type { Prisma } from "@whetstone/db";
import { evaluationSummarySchema, type EvaluationSummary } from "./evaluation-report";

export const evaluationViewSelect = {
  id: true,
  name: true,
  state: true,
  technique: true,
  splitKind: true,
  splitFraction: true,
  seed: true,
  error: true,
  runnerName: true,
  attempt: true,
  examplesDone: true,
  examplesTotal: true,
  createdAt: true,
  enqueuedAt: true,
  startedAt: true,
  finishedAt: true,
  summary: true,
  sourceJob: { select: { id: true, name: true } },
  models: {
    orderBy: { position: "asc" },
    select: {
      position: true,
      label: true,
      baseModel: { select: { id: true, name: true, source: true, sourceJobId: true } },
    },
  },
  datasets: {
    select: {
      datasetVersion: {
        select: {
          id: true,
          version: true,
          format: true,
          rowCount: true,
          dataset: { select: { id: true, name: true } },
        },
      },
    },
  },
} satisfies Prisma.EvaluationSelect;

export type EvaluationViewRow = Prisma.EvaluationGetPayload<{ select: typeof evaluationViewSelect }>;

/** A summary column written by an older or newer runner that does not read as version 1 is shown as absent. */
function readSummary(json: unknown): EvaluationSummary | null {
  if (json === null || json === undefined) return null;
  const parsed = evaluationSummarySchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

export function toEvaluationView(e: EvaluationViewRow) {
  const { models, datasets, summary, splitKind, ...rest } = e;
  return {
    ...rest,
    splitKind: splitKind === "test" ? ("test" as const) : ("all" as const),
    models: models.map((m) => ({
      position: m.position,
      modelId: m.baseModel.id,
      label: m.label,
      name: m.baseModel.name,
      source: m.baseModel.source,
      sourceJobId: m.baseModel.sourceJobId,
      reference: m.position === 0,
    })),
    datasets: datasets
      .map((d) => ({
        datasetVersionId: d.datasetVersion.id,
        datasetId: d.datasetVersion.dataset.id,
        datasetName: d.datasetVersion.dataset.name,
        version: d.datasetVersion.version,
        format: d.datasetVersion.format,
        rows: d.datasetVersion.rowCount,
      }))
      // The runner's task order (and the seed of each dataset's split): by dataset version id.
      .sort((a, b) => a.datasetVersionId.localeCompare(b.datasetVersionId)),
    summary: readSummary(summary),
  };
}
