import type { PrismaClient } from "@whetstone/db";
import { toVersionSummary, versionSummarySelect } from "./dataset-version-summary";

/** The team's datasets, most recently changed first, each with its version count and latest version. */
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
