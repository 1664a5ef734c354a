import { FORMATS_FOR_TECHNIQUE, type JobSpec } from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";

const FIELD = "validationDatasetVersionId";

/**
 * The explicit validation set of a job spec, checked: a dataset version of the caller's team, in a format the
 * technique reads, with rows. Returns its id, or null when the spec has none (the runner holds out validationSplit).
 */
export async function checkValidationSet(
  prisma: PrismaClient,
  teamId: string,
  spec: Pick<JobSpec, "technique" | "validationDatasetVersionId">,
): Promise<string | null> {
  const id = spec.validationDatasetVersionId;
  if (!id) return null;
  const v = await prisma.datasetVersion.findFirst({
    where: { id, dataset: { teamId } },
    select: { id: true, format: true, version: true, rowCount: true, dataset: { select: { name: true } } },
  });
  // Another team's version is answered as absent, like a training dataset.
  if (!v)
    throw new AppError("NOT_FOUND", `validation set: dataset version "${id}" not found in this team`, { field: FIELD });
  const allowed: readonly string[] = FORMATS_FOR_TECHNIQUE[spec.technique];
  if (!allowed.includes(v.format)) {
    throw new AppError(
      "BAD_REQUEST",
      `validation set "${v.dataset.name}" v${v.version} is in format "${v.format}"; technique "${spec.technique}" needs one of: ${allowed.join(", ")}`,
      { field: FIELD, format: v.format, allowed },
    );
  }
  if (v.rowCount < 1) {
    throw new AppError(
      "BAD_REQUEST",
      `validation set "${v.dataset.name}" v${v.version} has no rows: nothing to validate on`,
      {
        field: FIELD,
        rows: v.rowCount,
      },
    );
  }
  return v.id;
}
