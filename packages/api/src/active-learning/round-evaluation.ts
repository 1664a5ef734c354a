/**
 * The curve's next point: when a round's training job succeeds, its model is evaluated on the project's FIXED
 * held-out set (every row, the same seeded sample each round), against the base as the reference: the report's
 * verdict says whether the round beats the base, and the curve keeps the base's level (the runner's report needs a
 * reference besides the model it judges). Written inside the transaction that records the success; the caller
 * enqueues it after the commit (or the reconciler does).
 */
import type { Prisma } from "@whetstone/db";
import { uniqueLabels } from "../evaluations/create-evaluation";
import { evaluationSettingsSchema } from "../evaluations/evaluation-settings";
import { techniqueOf } from "./create-project";

/** Returns the new evaluation's id, or null when the job is not an active-learning round's. */
export async function createRoundEvaluation(
  tx: Prisma.TransactionClient,
  jobId: string,
  producedModelId: string,
): Promise<string | null> {
  const round = await tx.activeLearningRound.findUnique({
    where: { trainJobId: jobId },
    select: {
      id: true,
      number: true,
      evaluationId: true,
      trainJob: { select: { name: true, createdById: true } },
      project: {
        select: {
          id: true,
          teamId: true,
          name: true,
          task: true,
          hyperparameters: true,
          heldOutVersionId: true,
          baseModel: { select: { id: true, name: true } },
        },
      },
    },
  });
  if (!round || round.evaluationId) return null;
  const { project } = round;
  const models = [
    { id: project.baseModel.id, name: project.baseModel.name },
    { id: producedModelId, name: round.trainJob?.name ?? `${project.name} · round ${round.number}` },
  ];
  const labels = uniqueLabels(models.map((m) => m.name));
  const maxSeqLength = (project.hyperparameters as { maxSeqLength?: unknown } | null)?.maxSeqLength;
  const settings = evaluationSettingsSchema.safeParse({ maxSeqLength });
  const evaluation = await tx.evaluation.create({
    data: {
      teamId: project.teamId,
      createdById: round.trainJob?.createdById ?? null,
      name: `${project.name} · round ${round.number} on the held-out set`,
      technique: techniqueOf(project.task),
      splitKind: "all",
      splitFraction: 0,
      seed: 42,
      settings: settings.success ? settings.data : evaluationSettingsSchema.parse({}),
      state: "queued",
      enqueuedAt: null,
      models: { create: models.map((m, i) => ({ position: i, baseModelId: m.id, label: labels[i]! })) },
      datasets: { create: [{ datasetVersionId: project.heldOutVersionId }] },
    },
    select: { id: true },
  });
  await tx.activeLearningRound.update({ where: { id: round.id }, data: { evaluationId: evaluation.id } });
  return evaluation.id;
}
