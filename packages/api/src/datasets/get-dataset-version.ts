import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";
import { asProfile, toVersionSummary, versionSummarySelect } from "./dataset-version-summary";

/** A version of one of the team's datasets, with its profile and sample rows. */
export async function getDatasetVersion(prisma: PrismaClient, teamId: string, id: string) {
  const v = await prisma.datasetVersion.findFirst({
    where: { id, dataset: { teamId } },
    select: {
      ...versionSummarySelect,
      profile: true,
      readiness: true,
      derivation: true,
      dataset: { select: { id: true, name: true } },
    },
  });
  if (!v) throw notFound(`dataset version "${id}"`);
  const { profile, dataset, readiness, derivation, ...rest } = v;
  const p = asProfile(profile);
  const sample = Array.isArray(p.sample) ? (p.sample as Record<string, unknown>[]) : [];
  return {
    ...toVersionSummary(rest),
    dataset,
    profile: p,
    sampleRows: sample,
    readiness: readiness ? asProfile(readiness) : null,
    derivation: derivation ? asProfile(derivation) : null,
  };
}
