/**
 * The queue payload of an evaluation, built from the database and validated against the shared contract
 * (`evaluationJobPayloadSchema`). Models keep their order (the reference first) and carry their lineage like a
 * training job's base model; datasets are sorted by version id, the order a training job's payload uses, so the
 * runner carves dataset i's test split with seed `seed + i` exactly as the training run did (decision 0007).
 */
import { evaluationJobPayloadSchema, STORAGE_LAYOUT, storageKey, type EvaluationJobPayload } from "@whetstone/queue";
import { buildBaseModelRef } from "../jobs/base-model-ref";
import { EnqueueError } from "../jobs/enqueue-training-job";
import type { ApiDeps } from "../trpc";
import { readEvaluationSettings } from "./evaluation-settings";
import { payloadDatasets } from "../jobs/payload-datasets";

/** Where an evaluation's files live in blob storage: `evaluations/{evaluationId}/`. */
export const evaluationOutputPrefix = (evaluationId: string) =>
  storageKey(STORAGE_LAYOUT.evaluationOutput, { evaluationId });

/** The report's key when the runner's success event names none: `evaluations/{evaluationId}/report.json`. */
export const evaluationReportKey = (evaluationId: string) =>
  storageKey(STORAGE_LAYOUT.evaluationReport, { outputPrefix: evaluationOutputPrefix(evaluationId) });

export async function buildEvaluationPayload(
  prisma: ApiDeps["prisma"],
  evaluationId: string,
): Promise<EvaluationJobPayload> {
  const fail = (message: string) => new EnqueueError(evaluationId, message, "evaluation");
  const e = await prisma.evaluation.findUnique({
    where: { id: evaluationId },
    include: {
      models: { orderBy: { position: "asc" } },
      datasets: { include: { datasetVersion: { include: { dataset: { select: { name: true } } } } } },
    },
  });
  if (!e) throw fail("evaluation not found");
  const settings = readEvaluationSettings(e.settings);
  const models = [];
  for (const m of e.models) {
    models.push({ modelId: m.baseModelId, label: m.label, ref: await buildBaseModelRef(prisma, m.baseModelId, fail) });
  }
  const payload = {
    kind: "evaluate",
    schemaVersion: 1,
    jobId: e.id,
    teamId: e.teamId,
    technique: e.technique,
    models,
    datasets: payloadDatasets(e.datasets),
    split: { kind: e.splitKind, fraction: e.splitKind === "test" ? e.splitFraction : 0, seed: e.seed },
    ...settings,
    seed: e.seed,
    outputPrefix: evaluationOutputPrefix(e.id),
    requiredVramMb: 0,
  };
  const parsed = evaluationJobPayloadSchema.safeParse(payload);
  if (!parsed.success) throw fail(`payload does not match the queue contract: ${parsed.error.message}`);
  return parsed.data;
}
