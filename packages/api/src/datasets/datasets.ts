import type { Prisma, PrismaClient } from "@whetstone/db";
import { isTerminal, type JobState } from "@whetstone/core";
import type { BlobStorage } from "@whetstone/storage";
import { audit } from "../audit/audit";
import { AppError, notFound } from "../errors";

export const versionSummarySelect = {
  id: true,
  version: true,
  filename: true,
  container: true,
  format: true,
  rowCount: true,
  bytes: true,
  sha256: true,
  createdAt: true,
} satisfies Prisma.DatasetVersionSelect;
type VersionRow = Prisma.DatasetVersionGetPayload<{ select: typeof versionSummarySelect }>;

/** JSON has no bigint; file sizes fit a double exactly up to 8 PiB. */
export const toVersionSummary = (v: VersionRow) => ({ ...v, bytes: Number(v.bytes) });

const asProfile = (p: Prisma.JsonValue): Record<string, unknown> =>
  p && typeof p === "object" && !Array.isArray(p) ? (p as Record<string, unknown>) : {};

export async function listDatasets(prisma: PrismaClient, teamId: string) {
  const rows = await prisma.dataset.findMany({
    where: { teamId },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    select: {
      id: true,
      name: true,
      description: true,
      createdAt: true,
      updatedAt: true,
      _count: { select: { versions: true } },
      versions: { orderBy: { version: "desc" }, take: 1, select: versionSummarySelect },
    },
  });
  return rows.map(({ _count, versions, ...d }) => ({
    ...d,
    versionCount: _count.versions,
    latestVersion: versions[0] ? toVersionSummary(versions[0]) : null,
  }));
}

export async function getDataset(prisma: PrismaClient, teamId: string, id: string) {
  const d = await prisma.dataset.findFirst({
    where: { id, teamId },
    select: {
      id: true,
      name: true,
      description: true,
      createdAt: true,
      updatedAt: true,
      versions: { orderBy: { version: "desc" }, select: { ...versionSummarySelect, profile: true } },
    },
  });
  if (!d) throw notFound(`dataset "${id}"`);
  const { versions, ...rest } = d;
  return {
    ...rest,
    versions: versions.map(({ profile: _, ...v }) => toVersionSummary(v)),
    latestProfile: versions[0] ? asProfile(versions[0].profile) : null,
  };
}

export async function getDatasetVersion(prisma: PrismaClient, teamId: string, id: string) {
  const v = await prisma.datasetVersion.findFirst({
    where: { id, dataset: { teamId } },
    select: { ...versionSummarySelect, profile: true, dataset: { select: { id: true, name: true } } },
  });
  if (!v) throw notFound(`dataset version "${id}"`);
  const { profile, dataset, ...rest } = v;
  const p = asProfile(profile);
  const sample = Array.isArray(p.sample) ? (p.sample as Record<string, unknown>[]) : [];
  return { ...toVersionSummary(rest), dataset, profile: p, sampleRows: sample };
}

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
      select: { id: true, name: true, versions: { select: { id: true, blobKey: true } } },
    });
    if (!d) throw notFound(`dataset "${id}"`);
    // Lock the versions so no job can start using them while we decide.
    await tx.$executeRaw`SELECT 1 FROM "DatasetVersion" WHERE "datasetId" = ${d.id} FOR UPDATE`;
    const links = await tx.jobDataset.findMany({
      where: { datasetVersionId: { in: d.versions.map((v) => v.id) } },
      select: { job: { select: { id: true, name: true, state: true } } },
    });
    const active = links.find((l) => !isTerminal(l.job.state as JobState));
    if (active) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `dataset "${d.name}" is used by job "${active.job.name}" (${active.job.id}), which is ${active.job.state}; cancel it or wait for it to finish`,
        { jobId: active.job.id, state: active.job.state },
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
    return d.versions.map((v) => v.blobKey);
  });
  // Files go after the commit: a failure here leaves an orphan blob, never a row without its file.
  await Promise.all(blobKeys.map((k) => deps.storage.delete(k).catch(() => undefined)));
  return { id, deletedVersions: blobKeys.length };
}
