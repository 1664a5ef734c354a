/**
 * "Make a cleaned version": a new version of the same dataset without the exact duplicates, near duplicates and
 * label conflicts the readiness checks found, and with personal data replaced by placeholders. The new version
 * records its source and what was removed and why (DatasetDerivation) and gets its own profile and readiness.
 *
 * Two streamed passes over the source file, neither holding it in memory: the first runs the readiness checks with
 * per-row drop decisions (a conflict drops both rows, which is only known once the second one is read); the second
 * writes the kept rows, redacted, as JSONL straight into ingestDataset (storage, profile, readiness, version row).
 */
import {
  DatasetParser,
  DROP_REASONS,
  ReadinessSettingsError,
  redactRecord,
  resolveReadinessSettings,
  type CleanedDerivation,
  type DatasetFormat,
  type ReadinessSettings,
} from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { audit } from "../../audit/audit";
import { AppError } from "../../errors";
import { ingestDataset } from "../ingest-dataset";
import { openVersionFile } from "../version-file";

const LINES_KEPT_PER_REASON = 100;

export async function cleanDatasetVersion(
  deps: { prisma: PrismaClient; storage: BlobStorage; config: { maxUploadBytes: number } },
  actor: { teamId: string; userId: string },
  versionId: string,
  settingsInput: Partial<ReadinessSettings> = {},
) {
  let settings: ReadinessSettings;
  try {
    settings = resolveReadinessSettings(settingsInput);
  } catch (e) {
    if (e instanceof ReadinessSettingsError) throw new AppError("BAD_REQUEST", e.message, { field: e.field });
    throw e;
  }
  const v = await deps.prisma.datasetVersion.findFirst({
    where: { id: versionId, dataset: { teamId: actor.teamId } },
    select: {
      id: true,
      version: true,
      blobKey: true,
      filename: true,
      format: true,
      rowCount: true,
      dataset: { select: { id: true, name: true } },
    },
  });
  if (!v) throw new AppError("NOT_FOUND", `dataset version "${versionId}" not found (it may have been deleted)`);
  const format = v.format as DatasetFormat;

  // Pass 1: which rows go.
  let lineOfRow = new Uint32Array(1024); // the file line of each row (4 bytes a row)
  let rows = 0;
  const drops = await (async () => {
    const parser = new DatasetParser({
      filename: v.filename,
      readiness: { ...settings, collectDrops: true },
      onRecord: (_r, line) => {
        if (rows >= lineOfRow.length) {
          const grown = new Uint32Array(lineOfRow.length * 2);
          grown.set(lineOfRow);
          lineOfRow = grown;
        }
        lineOfRow[rows++] = line;
      },
    });
    for await (const c of await openVersionFile(deps.storage, v)) parser.push(c as Uint8Array);
    const res = parser.end();
    return { codes: res.readinessAccumulator!.dropCodes(), readiness: res.readiness! };
  })();

  const removed = DROP_REASONS.map((reason) => ({ reason, rows: 0, lines: [] as number[] }));
  drops.codes.forEach((code, row) => {
    if (code === 0) return;
    const r = removed[code - 1]!;
    r.rows++;
    if (r.lines.length < LINES_KEPT_PER_REASON) r.lines.push(lineOfRow[row]!);
  });
  const pii = drops.readiness.checks.find((c) => c.id === "personal_data");
  if (removed.every((r) => r.rows === 0) && !pii?.count) {
    throw new AppError(
      "CONFLICT",
      `${v.dataset.name} v${v.version} has nothing to clean: no duplicates, conflicting labels or personal data at a near-duplicate threshold of ${settings.nearDuplicateThreshold}`,
      { field: "versionId" },
    );
  }

  // Pass 2: the kept rows, redacted. `derivation.masked` and `rowsAfter` fill in while the body is read, before
  // ingestDataset writes the version row.
  const derivation: CleanedDerivation = {
    kind: "cleaned",
    sourceVersionId: v.id,
    sourceVersion: v.version,
    settings,
    removed: removed.filter((r) => r.rows > 0),
    masked: {},
    rowsBefore: v.rowCount,
    rowsAfter: 0,
  };
  async function* cleanedBody(): AsyncGenerator<Uint8Array> {
    let out: string[] = [];
    let row = 0;
    const parser = new DatasetParser({
      filename: v!.filename,
      readiness: false,
      onRecord: (r) => {
        const code = drops.codes[row++] ?? 0;
        if (code !== 0) return;
        const { record, found } = redactRecord(format, r);
        for (const [k, n] of Object.entries(found)) derivation.masked[k] = (derivation.masked[k] ?? 0) + n!;
        derivation.rowsAfter++;
        out.push(JSON.stringify(record));
      },
    });
    for await (const c of await openVersionFile(deps.storage, v!)) {
      parser.push(c as Uint8Array);
      if (out.length >= 256) {
        yield Buffer.from(`${out.join("\n")}\n`);
        out = [];
      }
    }
    parser.end();
    if (out.length) yield Buffer.from(`${out.join("\n")}\n`);
  }

  const stem = v.filename.replace(/\.(jsonl|json|csv|tsv|txt)$/i, "");
  const created = await ingestDataset(deps, {
    teamId: actor.teamId,
    userId: actor.userId,
    datasetName: v.dataset.name,
    filename: `${stem}.cleaned.jsonl`,
    body: cleanedBody(),
    declaredFormat: format,
    readiness: settings,
    derivedFrom: { parentVersionId: v.id, derivation },
  });
  await audit(deps.prisma, {
    action: "dataset.cleaned",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "dataset_version",
    targetId: created.id,
    // Counts only: the removed rows and the masked values are never logged.
    details: {
      sourceVersionId: v.id,
      removed: Object.fromEntries(derivation.removed.map((r) => [r.reason, r.rows])),
      masked: derivation.masked,
      rowsBefore: derivation.rowsBefore,
      rowsAfter: derivation.rowsAfter,
    },
  });
  return created;
}
