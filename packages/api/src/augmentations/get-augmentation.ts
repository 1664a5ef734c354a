/**
 * An augmentation of the team with its progress and result version (made with its success: augment-work.ts). With a
 * "did it help?" comparison: both training jobs and their automatic evaluations (the same held-out test rows:
 * generated rows never enter a test split), side by side.
 */
import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";
import { evaluationViewSelect, toEvaluationView } from "../evaluations/evaluation-view";

export async function getAugmentation(deps: { prisma: PrismaClient }, teamId: string, id: string) {
  const { prisma } = deps;
  const a = await prisma.augmentation.findFirst({ where: { id, teamId } });
  if (!a) throw notFound(`augmentation "${id}"`);
  const ids = Array.isArray(a.comparisonJobIds) ? (a.comparisonJobIds as string[]) : [];
  const jobs = await prisma.fineTuneJob.findMany({
    where: { id: { in: ids }, teamId },
    select: { id: true, name: true, state: true },
  });
  const evaluations = await prisma.evaluation.findMany({
    where: { sourceJobId: { in: ids } },
    select: evaluationViewSelect,
    orderBy: { createdAt: "desc" },
  });
  const comparison = ids.length
    ? ids.map((jobId, i) => {
        const job = jobs.find((j) => j.id === jobId) ?? null;
        const ev = evaluations.find((e) => e.sourceJob?.id === jobId);
        return {
          arm: i === 0 ? ("without" as const) : ("with" as const),
          job,
          evaluation: ev ? toEvaluationView(ev) : null,
        };
      })
    : null;
  return { ...a, comparison };
}
