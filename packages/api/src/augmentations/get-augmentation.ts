/**
 * An augmentation of the team with its progress and result version; once it succeeded and has no version yet, the
 * version is made here (finalizeAugmentation). With a "did it help?" comparison: both training jobs and their
 * automatic evaluations (the same held-out test rows: generated rows never enter a test split), side by side.
 */
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { notFound } from "../errors";
import { evaluationViewSelect, toEvaluationView } from "../evaluations/evaluation-view";
import { finalizeAugmentation } from "./finalize-augmentation";

export async function getAugmentation(
  deps: { prisma: PrismaClient; storage: BlobStorage; config: { maxUploadBytes: number } },
  teamId: string,
  id: string,
) {
  const { prisma } = deps;
  let a = await prisma.augmentation.findFirst({ where: { id, teamId } });
  if (!a) throw notFound(`augmentation "${id}"`);
  if (a.state === "succeeded" && !a.resultVersionId) {
    await finalizeAugmentation(deps, id);
    a = (await prisma.augmentation.findUnique({ where: { id } }))!;
  }
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
  const building = a.resultVersionId?.startsWith("building:") ?? false;
  return { ...a, resultVersionId: building ? null : a.resultVersionId, comparison };
}
