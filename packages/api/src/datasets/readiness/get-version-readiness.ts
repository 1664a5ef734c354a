/**
 * The readiness report of a version. The stored one (computed at upload) unless other settings are asked for — a
 * different near-duplicate threshold or number of examples — in which case the file is streamed through the
 * checks again and the report returned, not stored.
 */
import {
  DatasetParser,
  ReadinessSettingsError,
  resolveReadinessSettings,
  type DatasetReadiness,
  type ReadinessSettings,
} from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { AppError } from "../../errors";
import { openVersionFile } from "../version-file";

export async function getVersionReadiness(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  teamId: string,
  versionId: string,
  settingsInput: Partial<ReadinessSettings> = {},
): Promise<DatasetReadiness & { stored: boolean }> {
  let settings: ReadinessSettings;
  try {
    settings = resolveReadinessSettings(settingsInput);
  } catch (e) {
    if (e instanceof ReadinessSettingsError) throw new AppError("BAD_REQUEST", e.message, { field: e.field });
    throw e;
  }
  const v = await deps.prisma.datasetVersion.findFirst({
    where: { id: versionId, dataset: { teamId } },
    select: {
      id: true,
      version: true,
      blobKey: true,
      filename: true,
      format: true,
      readiness: true,
      dataset: { select: { name: true } },
    },
  });
  if (!v) throw new AppError("NOT_FOUND", `dataset version "${versionId}" not found (it may have been deleted)`);
  const stored = v.readiness as unknown as DatasetReadiness | null;
  const asked = settingsInput.nearDuplicateThreshold !== undefined || settingsInput.maxExamples !== undefined;
  if (
    stored &&
    (!asked ||
      (stored.settings.nearDuplicateThreshold === settings.nearDuplicateThreshold &&
        stored.settings.maxExamples === settings.maxExamples))
  ) {
    return { ...stored, stored: true };
  }
  const parser = new DatasetParser({
    filename: v.filename,
    declaredFormat: v.format as never,
    readiness: settings,
  });
  const body = await openVersionFile(deps.storage, v);
  for await (const c of body) parser.push(c as Uint8Array);
  return { ...parser.end().readiness!, stored: false };
}
