/** How a dataset version is read by the dataset procedures: the columns, bigint sizes as numbers, the profile. */
import { READINESS_VERDICTS, type ReadinessVerdict } from "@whetstone/core";
import type { Prisma } from "@whetstone/db";

export const versionSummarySelect = {
  id: true,
  version: true,
  filename: true,
  container: true,
  format: true,
  rowCount: true,
  bytes: true,
  sha256: true,
  parentVersionId: true,
  createdAt: true,
} satisfies Prisma.DatasetVersionSelect;
type VersionRow = Prisma.DatasetVersionGetPayload<{ select: typeof versionSummarySelect }>;

/** JSON has no bigint; file sizes fit a double exactly up to 8 PiB. */
export const toVersionSummary = (v: VersionRow) => ({ ...v, bytes: Number(v.bytes) });

/** The verdict and its one line, from a stored readiness report (null for versions uploaded before it existed). */
export const readinessSummary = (r: Prisma.JsonValue | null): { verdict: ReadinessVerdict; reason: string } | null =>
  r && typeof r === "object" && !Array.isArray(r) && READINESS_VERDICTS.includes(r.verdict as ReadinessVerdict)
    ? { verdict: r.verdict as ReadinessVerdict, reason: String(r.reason ?? "") }
    : null;

export const asProfile = (p: Prisma.JsonValue): Record<string, unknown> =>
  p && typeof p === "object" && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
