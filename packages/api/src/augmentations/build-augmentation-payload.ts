/** The `augment` job's payload, built from the augmentation's row (its settings) and the source version. */
import type { PrismaClient } from "@whetstone/db";
import { augmentationJobPayloadSchema, type AugmentationJobPayload } from "@whetstone/queue";
import { buildBaseModelRef } from "../jobs/base-model-ref";
import { EnqueueError } from "../jobs/enqueue-training-job";

export async function buildAugmentationPayload(prisma: PrismaClient, id: string): Promise<AugmentationJobPayload> {
  const fail = (message: string) => new EnqueueError(id, message, "augmentation");
  const a = await prisma.augmentation.findUnique({ where: { id } });
  if (!a) throw fail("augmentation not found");
  const v = await prisma.datasetVersion.findUnique({
    where: { id: a.sourceVersionId },
    include: { dataset: { select: { name: true } } },
  });
  if (!v) throw fail("its dataset version was deleted");
  const s = a.settings as Record<string, unknown> & { generatorModelId: string | null };
  let generator: unknown = null;
  if (a.method === "generate" && s.generatorModelId) {
    const m = await prisma.baseModel.findUnique({ where: { id: s.generatorModelId }, select: { name: true } });
    if (!m) throw fail("its generator model was deleted");
    generator = {
      type: "model",
      model: {
        modelId: s.generatorModelId,
        label: m.name,
        ref: await buildBaseModelRef(prisma, s.generatorModelId, fail),
      },
    };
  }
  const parsed = augmentationJobPayloadSchema.safeParse({
    kind: "augment",
    schemaVersion: 1,
    jobId: a.id,
    teamId: a.teamId,
    source: {
      datasetVersionId: v.id,
      name: v.dataset.name,
      key: v.blobKey,
      format: v.format,
      container: v.container,
      weight: 1,
      rows: v.rowCount,
      sha256: v.sha256,
    },
    method: a.method,
    targetRows: s.targetRows,
    perRow: s.perRow,
    perturbation: s.perturbation,
    generator,
    maxNewTokens: s.maxNewTokens,
    temperature: s.temperature,
    holdOut: s.holdOut,
    seed: s.seed,
    outputPrefix: `augmentations/${a.id}/`,
  });
  if (!parsed.success) throw fail(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data;
}
