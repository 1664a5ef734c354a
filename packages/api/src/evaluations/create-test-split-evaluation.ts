/**
 * The automatic evaluation after training (decision 0007): when a training job succeeds with `testSplit > 0`, its
 * base model and the model it produced are compared on the test split it held out. Written inside the transaction
 * that records the success; the caller enqueues it after the commit (or the reconciler does).
 */
import type { Prisma, Technique } from "@whetstone/db";
import { uniqueLabels } from "./create-evaluation";
import { evaluationSettingsSchema } from "./evaluation-settings";

/** The test fraction a job held out: its `testSplit`, 0.1 when the job predates the hyperparameter. */
export function testSplitOf(hyperparameters: unknown): number {
  const v = (hyperparameters as { testSplit?: unknown } | null)?.testSplit;
  return typeof v === "number" && Number.isFinite(v) ? v : 0.1;
}

interface SucceededJob {
  id: string;
  teamId: string;
  createdById: string | null;
  name: string;
  technique: Technique;
  seed: number;
  hyperparameters: unknown;
  baseModel: { id: string; name: string };
  datasets: { datasetVersionId: string }[];
}

/** Returns the new evaluation's id, or null when the job held out no test split. */
export async function createTestSplitEvaluation(
  tx: Prisma.TransactionClient,
  job: SucceededJob,
  producedModelId: string,
): Promise<string | null> {
  const fraction = testSplitOf(job.hyperparameters);
  if (!(fraction > 0) || job.datasets.length === 0) return null;
  const maxSeqLength = (job.hyperparameters as { maxSeqLength?: unknown } | null)?.maxSeqLength;
  const settings = evaluationSettingsSchema.safeParse({ maxSeqLength });
  const [baseLabel, producedLabel] = uniqueLabels([job.baseModel.name, job.name]);
  const evaluation = await tx.evaluation.create({
    data: {
      teamId: job.teamId,
      createdById: job.createdById,
      name: `${job.name} vs ${job.baseModel.name} (test split)`,
      technique: job.technique,
      sourceJobId: job.id,
      splitKind: "test",
      splitFraction: fraction,
      seed: job.seed,
      settings: settings.success ? settings.data : evaluationSettingsSchema.parse({}),
      state: "queued",
      enqueuedAt: null,
      models: {
        create: [
          { position: 0, baseModelId: job.baseModel.id, label: baseLabel! },
          { position: 1, baseModelId: producedModelId, label: producedLabel! },
        ],
      },
      datasets: { create: job.datasets.map((d) => ({ datasetVersionId: d.datasetVersionId })) },
    },
    select: { id: true },
  });
  return evaluation.id;
}
