/**
 * "Did it help?": one action starts two training jobs with the same base model, technique, settings and seed — one on
 * the source version, one on the augmented version. Both hold out the same test rows (the augmented version keeps
 * the source's rows in order, and generated rows never enter a split), so their automatic evaluations compare the
 * same thing; the augmentation shows them side by side.
 */
import { DEFAULT_HYPERPARAMETERS, jobSpecSchema, type JobSpecInput } from "@whetstone/core";
import type { Prisma } from "@whetstone/db";
import { AppError, notFound } from "../errors";
import { createJob } from "../jobs/create-job";
import type { ApiDeps } from "../trpc";

export async function compareAugmentation(
  deps: Pick<ApiDeps, "prisma" | "trainingQueue">,
  actor: { teamId: string; userId: string },
  id: string,
  spec: Omit<JobSpecInput, "datasets" | "name">,
) {
  const { prisma } = deps;
  const a = await prisma.augmentation.findFirst({ where: { id, teamId: actor.teamId } });
  if (!a) throw notFound(`augmentation "${id}"`);
  if (a.state !== "succeeded" || !a.resultVersionId) {
    throw new AppError("CONFLICT", `augmentation ${id} has no augmented version yet (state ${a.state})`);
  }
  if (Array.isArray(a.comparisonJobIds) && a.comparisonJobIds.length) {
    throw new AppError("CONFLICT", `the comparison of augmentation ${id} was started already`, {
      jobIds: a.comparisonJobIds,
    });
  }
  // Sequences no longer than the model reads (a small model's context is below the default maxSeqLength).
  const model = await prisma.baseModel.findFirst({
    where: { id: spec.baseModelId, OR: [{ teamId: actor.teamId }, { teamId: null }] },
    select: { contextLength: true },
  });
  const hp = { ...(spec.hyperparameters ?? {}) };
  if (
    hp.maxSeqLength === undefined &&
    model?.contextLength &&
    model.contextLength < DEFAULT_HYPERPARAMETERS.maxSeqLength
  )
    hp.maxSeqLength = model.contextLength;
  spec = { ...spec, hyperparameters: hp };
  const name = (arm: string) => `${spec.technique} · ${arm} augmentation (${id.slice(-6)})`;
  const parse = (arm: string, datasetVersionId: string) => {
    const r = jobSpecSchema.safeParse({ ...spec, name: name(arm), datasets: [{ datasetVersionId }] });
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw new AppError("BAD_REQUEST", `${i.path.join(".")}: ${i.message}`, { field: i.path.join(".") });
    }
    return r.data;
  };
  const without = await createJob(deps, actor, parse("without", a.sourceVersionId));
  const withAug = await createJob(deps, actor, parse("with", a.resultVersionId));
  await prisma.augmentation.update({
    where: { id },
    data: { comparisonJobIds: [without.id, withAug.id] as Prisma.InputJsonValue },
  });
  return { withoutJobId: without.id, withJobId: withAug.id };
}
