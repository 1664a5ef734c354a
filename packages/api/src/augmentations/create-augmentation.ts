/**
 * An augmentation of a dataset version (decision 0009): the row (`queued`), then an `augment` job on the training
 * queue (BullMQ job id = the augmentation's id, so a second enqueue adds nothing). The runner writes the new rows;
 * `finalizeAugmentation` turns them into a dataset version.
 */
import { DEFAULT_HYPERPARAMETERS } from "@whetstone/core";
import type { Prisma, PrismaClient } from "@whetstone/db";
import {
  AUGMENTABLE_FORMATS,
  augmentationJobPayloadSchema,
  JOB_KINDS,
  type AugmentationJobPayload,
  type AugmentationMethod,
} from "@whetstone/queue";
import type { Queue } from "bullmq";
import { AppError } from "../errors";
import { buildBaseModelRef } from "../jobs/base-model-ref";
import { EnqueueError } from "../jobs/enqueue-training-job";

export interface CreateAugmentationInput {
  datasetVersionId: string;
  method: AugmentationMethod;
  targetRows: number;
  perRow?: number;
  perturbation?: { wordDropout?: number; swaps?: number };
  /** `generate`: a base or fine-tuned model of the team (a language model), or an endpoint an admin configured. */
  generatorModelId?: string;
  maxNewTokens?: number;
  temperature?: number;
  seed?: number;
}

const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: "exponential" as const, delay: 30_000 },
  removeOnComplete: { age: 7 * 24 * 3600 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export async function createAugmentation(
  deps: { prisma: PrismaClient; trainingQueue: Queue },
  actor: { teamId: string; userId: string },
  input: CreateAugmentationInput,
) {
  const { prisma } = deps;
  const v = await prisma.datasetVersion.findFirst({
    where: { id: input.datasetVersionId, dataset: { teamId: actor.teamId } },
    select: { id: true, version: true, format: true, dataset: { select: { name: true } } },
  });
  if (!v) {
    throw new AppError(
      "NOT_FOUND",
      `dataset version "${input.datasetVersionId}" not found (it may have been deleted)`,
      {
        field: "datasetVersionId",
      },
    );
  }
  const allowed: readonly string[] = AUGMENTABLE_FORMATS[input.method];
  if (!allowed.includes(v.format)) {
    throw new AppError(
      "BAD_REQUEST",
      `"${v.dataset.name}" v${v.version} is "${v.format}" data, which method "${input.method}" cannot augment ` +
        `(it augments ${allowed.join(", ")})` +
        (input.method === "perturb" ? '; use method "generate" for instruction data' : ""),
      { field: "method", format: v.format, allowed },
    );
  }
  if (input.method === "generate") {
    if (!input.generatorModelId)
      throw new AppError("BAD_REQUEST", 'method "generate" needs generatorModelId: the model that writes new rows', {
        field: "generatorModelId",
      });
    const m = await prisma.baseModel.findFirst({
      where: { id: input.generatorModelId, OR: [{ teamId: actor.teamId }, { teamId: null }] },
      select: { id: true, sourceJob: { select: { technique: true } } },
    });
    if (!m) {
      throw new AppError("BAD_REQUEST", `model "${input.generatorModelId}" not found in this team`, {
        field: "generatorModelId",
      });
    }
    if (m.sourceJob?.technique === "classification") {
      throw new AppError("BAD_REQUEST", "a classifier cannot write text: choose a language model", {
        field: "generatorModelId",
      });
    }
  }
  const settings = {
    targetRows: input.targetRows,
    perRow: input.perRow ?? 2,
    perturbation: { wordDropout: input.perturbation?.wordDropout ?? 0.1, swaps: input.perturbation?.swaps ?? 1 },
    generatorModelId: input.generatorModelId ?? null,
    maxNewTokens: input.maxNewTokens ?? 128,
    temperature: input.temperature ?? 0.8,
    // Seeds exclude what a training job with the default splits and this seed holds out (the platform's defaults).
    holdOut: { testSplit: DEFAULT_HYPERPARAMETERS.testSplit, validationSplit: DEFAULT_HYPERPARAMETERS.validationSplit },
    seed: input.seed ?? DEFAULT_HYPERPARAMETERS.seed,
  };
  const row = await prisma.augmentation.create({
    data: {
      teamId: actor.teamId,
      createdById: actor.userId,
      sourceVersionId: v.id,
      method: input.method,
      settings: settings as Prisma.InputJsonValue,
      rowsTotal: input.targetRows,
    },
  });
  try {
    const payload = await buildAugmentationPayload(prisma, row.id);
    await deps.trainingQueue.add(JOB_KINDS.augment.jobName, payload, { ...JOB_OPTIONS, jobId: row.id });
    await prisma.augmentation.update({ where: { id: row.id }, data: { enqueuedAt: new Date() } });
  } catch (err) {
    if (err instanceof EnqueueError) {
      await prisma.augmentation.update({
        where: { id: row.id },
        data: { state: "failed", error: err.message, finishedAt: new Date() },
      });
      throw new AppError("BAD_REQUEST", err.message);
    }
    // Redis unreachable: the row stays queued with enqueuedAt null (the reconciler does not repair augmentations
    // yet; creating it again is safe).
    console.warn(`augmentation ${row.id} accepted but not enqueued (${(err as Error).message})`);
  }
  return prisma.augmentation.findUniqueOrThrow({ where: { id: row.id } });
}

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
