import { isTerminal, type JobState } from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { audit } from "../audit/audit";
import { AppError, notFound } from "../errors";

/**
 * Deletes a dataset, its versions and their files. Refused while a job that is not final trains on one of its
 * versions. Finished jobs lose the link to the deleted versions; a "platform" event on each says so.
 */
export async function deleteDataset(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  actor: { teamId: string; userId: string },
  id: string,
) {
  const { prisma } = deps;
  const blobKeys = await prisma.$transaction(async (tx) => {
    const d = await tx.dataset.findFirst({
      where: { id, teamId: actor.teamId },
      select: { id: true, name: true, versions: { select: { id: true, blobKey: true, sketchKey: true } } },
    });
    if (!d) throw notFound(`dataset "${id}"`);
    // Lock the versions so no job can start using them while we decide.
    await tx.$executeRaw`SELECT 1 FROM "DatasetVersion" WHERE "datasetId" = ${d.id} FOR UPDATE`;
    const links = await tx.jobDataset.findMany({
      where: { datasetVersionId: { in: d.versions.map((v) => v.id) } },
      select: { job: { select: { id: true, name: true, state: true } } },
    });
    // A job's validation set counts as used too (set null on the finished ones by the foreign key).
    const validated = await tx.fineTuneJob.findMany({
      where: { validationSetId: { in: d.versions.map((v) => v.id) } },
      select: { id: true, name: true, state: true },
    });
    links.push(...validated.map((job) => ({ job })));
    const active = links.find((l) => !isTerminal(l.job.state as JobState));
    if (active) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `dataset "${d.name}" is used by job "${active.job.name}" (${active.job.id}), which is ${active.job.state}; cancel it or wait for it to finish`,
        { jobId: active.job.id, state: active.job.state },
      );
    }
    const versionIds = d.versions.map((v) => v.id);
    const project = await tx.activeLearningProject.findFirst({
      where: {
        OR: [
          { poolVersionId: { in: versionIds } },
          { seedVersionId: { in: versionIds } },
          { heldOutVersionId: { in: versionIds } },
          { rounds: { some: { labelledVersionId: { in: versionIds } } } },
          { simulations: { some: { datasetVersionId: { in: versionIds } } } },
        ],
      },
      select: { id: true, name: true },
    });
    if (project) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `dataset "${d.name}" is used by the active-learning project "${project.name}"; delete the project first`,
        { projectId: project.id },
      );
    }
    const finishedJobIds = [...new Set(links.map((l) => l.job.id))];
    if (finishedJobIds.length > 0) {
      await tx.jobDataset.deleteMany({ where: { datasetVersionId: { in: d.versions.map((v) => v.id) } } });
      await tx.jobEvent.createMany({
        data: finishedJobIds.map((jobId) => ({
          jobId,
          kind: "platform",
          level: "info" as const,
          message: `dataset "${d.name}" was deleted`,
        })),
      });
    }
    await tx.dataset.delete({ where: { id: d.id } });
    await audit(tx, {
      action: "dataset.deleted",
      actorUserId: actor.userId,
      teamId: actor.teamId,
      targetType: "dataset",
      targetId: d.id,
      details: { name: d.name, versions: d.versions.length },
    });
    return d.versions.flatMap((v) => (v.sketchKey ? [v.blobKey, v.sketchKey] : [v.blobKey]));
  });
  // Files go after the commit: a failure here leaves an orphan blob, never a row without its file.
  await Promise.all(blobKeys.map((k) => deps.storage.delete(k).catch(() => undefined)));
  return { id, deletedVersions: blobKeys.filter((k) => !k.endsWith("/.readiness-sketch.bin")).length };
}
