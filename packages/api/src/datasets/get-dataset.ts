import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";
import { asProfile, readinessSummary, toVersionSummary, versionSummarySelect } from "./dataset-version-summary";

/** A dataset of the team with its versions (newest first) and the profile of the latest one. */
export async function getDataset(prisma: PrismaClient, teamId: string, id: string) {
  const d = await prisma.dataset.findFirst({
    where: { id, teamId },
    select: {
      id: true,
      name: true,
      description: true,
      createdAt: true,
      updatedAt: true,
      versions: { orderBy: { version: "desc" }, select: { ...versionSummarySelect, profile: true, readiness: true } },
    },
  });
  if (!d) throw notFound(`dataset "${id}"`);
  const { versions, ...rest } = d;
  return {
    ...rest,
    versions: versions.map(({ profile: _, readiness, ...v }) => ({
      ...toVersionSummary(v),
      readiness: readinessSummary(readiness),
    })),
    latestProfile: versions[0] ? asProfile(versions[0].profile) : null,
  };
}
