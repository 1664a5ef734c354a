/**
 * An augmentation of a dataset version (decision 0009): the row (`queued`), then an `augment` job on the training
 * queue (BullMQ job id = the augmentation's id, so a second enqueue adds nothing) — runner work like active learning's
 * (runner-work/, augment-work.ts): reconciled, cancellable. The runner writes the new rows; the version is made when
 * its success is applied (prepare-augmented-version.ts).
 */
import { DEFAULT_HYPERPARAMETERS } from "@whetstone/core";
import type { Prisma, PrismaClient } from "@whetstone/db";
import { AUGMENTABLE_FORMATS, type AugmentationMethod } from "@whetstone/queue";
import type { Queue } from "bullmq";
import { AppError } from "../errors";
import { enqueueWorkOrFail } from "../runner-work/enqueue-work";
import type { PayloadSecrets } from "../runner-work/work-kinds";

export interface CreateAugmentationInput {
  datasetVersionId: string;
  method: AugmentationMethod;
  targetRows: number;
  perRow?: number;
  perturbation?: { wordDropout?: number; swaps?: number };
  /** `generate`: a base or fine-tuned model of the team (a language model)… */
  generatorModelId?: string;
  /** …or the OpenAI-compatible endpoint an instance admin configured (admin/generator-endpoint.ts). */
  generatorEndpoint?: boolean;
  maxNewTokens?: number;
  temperature?: number;
  seed?: number;
}

export async function createAugmentation(
  deps: { prisma: PrismaClient; trainingQueue: Queue; config?: PayloadSecrets },
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
  if (input.method === "generate" && input.generatorEndpoint) {
    if (input.generatorModelId) {
      throw new AppError("BAD_REQUEST", "choose a model of the team or the configured endpoint, not both", {
        field: "generatorEndpoint",
      });
    }
    if (!(await prisma.generatorEndpoint.findUnique({ where: { id: "default" }, select: { id: true } }))) {
      throw new AppError(
        "BAD_REQUEST",
        "no generator endpoint is configured: an instance admin must configure one in the admin console",
        { field: "generatorEndpoint" },
      );
    }
  } else if (input.method === "generate") {
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
    generatorModelId: input.generatorEndpoint ? null : (input.generatorModelId ?? null),
    generatorEndpoint: input.method === "generate" && input.generatorEndpoint === true,
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
  // A payload that can never be built fails it (400 with the reason); Redis unreachable leaves it `queued` with
  // enqueuedAt null, and the reconciler enqueues it (reconcile/repair-queued-work.ts).
  const r = await enqueueWorkOrFail(deps, "augment", row.id);
  if (r.outcome === "failed") throw new AppError("BAD_REQUEST", r.reason ?? "the augmentation cannot be queued");
  if (r.outcome === "retry") console.warn(`augmentation ${row.id} accepted but not enqueued yet (${r.reason})`);
  return prisma.augmentation.findUniqueOrThrow({ where: { id: row.id } });
}
