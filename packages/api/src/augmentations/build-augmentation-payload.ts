/** The `augment` job's payload, built from the augmentation's row (its settings) and the source version. */
import type { PrismaClient } from "@whetstone/db";
import { augmentationJobPayloadSchema, type AugmentationJobPayload } from "@whetstone/queue";
import { generatorEndpointForPayload } from "../admin/generator-endpoint";
import { buildBaseModelRef } from "../jobs/base-model-ref";
import type { PayloadSecrets } from "../runner-work/work-kinds";
import { EnqueueError } from "../jobs/enqueue-training-job";

export async function buildAugmentationPayload(
  prisma: PrismaClient,
  id: string,
  secrets?: PayloadSecrets,
): Promise<AugmentationJobPayload> {
  const fail = (message: string) => new EnqueueError(id, message, "augmentation");
  const a = await prisma.augmentation.findUnique({ where: { id } });
  if (!a) throw fail("augmentation not found");
  const v = await prisma.datasetVersion.findUnique({
    where: { id: a.sourceVersionId },
    include: { dataset: { select: { name: true } } },
  });
  if (!v) throw fail("its dataset version was deleted");
  const s = a.settings as Record<string, unknown> & { generatorModelId: string | null; generatorEndpoint?: boolean };
  let generator: unknown = null;
  if (a.method === "generate" && s.generatorEndpoint) {
    let e: Awaited<ReturnType<typeof generatorEndpointForPayload>>;
    try {
      e = await generatorEndpointForPayload(prisma, secrets);
    } catch (err) {
      throw fail(`its generator endpoint's API key cannot be read: ${(err as Error).message}`);
    }
    if (!e) throw fail("the generator endpoint was removed by an instance admin");
    generator = { type: "endpoint", baseUrl: e.baseUrl, model: e.model, apiKeyEnv: null, apiKey: e.apiKey };
  } else if (a.method === "generate" && s.generatorModelId) {
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
  // Issue paths and messages only (never the values: the payload may carry the endpoint's key).
  if (!parsed.success) throw fail(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return parsed.data;
}
