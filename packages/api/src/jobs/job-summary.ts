import type { Prisma } from "@whetstone/db";

/** What every job listing shows: the row plus the base model's and the datasets' names. */
export const jobSummarySelect = {
  id: true,
  name: true,
  state: true,
  technique: true,
  method: true,
  priority: true,
  currentStep: true,
  totalSteps: true,
  pendingReason: true,
  error: true,
  runnerName: true,
  createdAt: true,
  queuedAt: true,
  startedAt: true,
  finishedAt: true,
  cancelRequestedAt: true,
  baseModel: { select: { id: true, name: true } },
  datasets: {
    orderBy: { datasetVersionId: "asc" }, // the order the list gives (list-jobs.ts)
    select: {
      weight: true,
      datasetVersion: {
        select: { id: true, version: true, format: true, dataset: { select: { id: true, name: true } } },
      },
    },
  },
  validationSet: {
    select: { id: true, version: true, format: true, dataset: { select: { id: true, name: true } } },
  },
} satisfies Prisma.FineTuneJobSelect;

export type JobSummaryRow = Prisma.FineTuneJobGetPayload<{ select: typeof jobSummarySelect }>;

export function toJobSummary(j: JobSummaryRow) {
  const { datasets, validationSet: v, ...rest } = j;
  return {
    ...rest,
    /** A running job whose cancel was asked for and not yet confirmed by its runner. */
    cancelling: j.cancelRequestedAt !== null && (j.state === "running" || j.state === "queued"),
    datasets: datasets.map((d) => ({
      datasetVersionId: d.datasetVersion.id,
      datasetId: d.datasetVersion.dataset.id,
      datasetName: d.datasetVersion.dataset.name,
      version: d.datasetVersion.version,
      format: d.datasetVersion.format,
      weight: d.weight,
    })),
    /** The explicit validation set; null: validationSplit of the training data is held out. */
    validationSet: v
      ? {
          datasetVersionId: v.id,
          datasetId: v.dataset.id,
          datasetName: v.dataset.name,
          version: v.version,
          format: v.format,
        }
      : null,
  };
}
