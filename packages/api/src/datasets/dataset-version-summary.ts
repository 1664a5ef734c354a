/** How a dataset version is read by the dataset procedures: the columns, bigint sizes as numbers, the profile. */
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
  createdAt: true,
} satisfies Prisma.DatasetVersionSelect;
type VersionRow = Prisma.DatasetVersionGetPayload<{ select: typeof versionSummarySelect }>;

/** JSON has no bigint; file sizes fit a double exactly up to 8 PiB. */
export const toVersionSummary = (v: VersionRow) => ({ ...v, bytes: Number(v.bytes) });

export const asProfile = (p: Prisma.JsonValue): Record<string, unknown> =>
  p && typeof p === "object" && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
