/**
 * Readiness of a job's data before it is created (the job form's summary, `POST /datasets/readiness-for-job`): the
 * stored verdict of each dataset version, plus the checks that depend on the job — lengths in the chosen base
 * model's tokens, duplicates that will straddle the split, duplicates between the job's datasets — and the overall
 * verdict. Only the stored per-version verdicts can block a job (`assertJobDataReady`); the job-level checks warn.
 */
import {
  crossDatasetCheck,
  crossDuplicates,
  decodeSketch,
  DEFAULT_HYPERPARAMETERS,
  DEFAULT_NEAR_DUPLICATE_THRESHOLD,
  splitLeakageCheck,
  techniqueOfFormat,
  tokenLengthCheck,
  verdictOf,
  type CrossDatasetResult,
  type DatasetReadiness,
  type ReadinessCheck,
  type ReadinessVerdict,
  validationLeakageCheck,
} from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { AppError } from "../../errors";
import { countTokens } from "./token-counts";

export interface JobReadinessInput {
  datasetVersionIds: string[];
  baseModelId?: string;
  technique?: string;
  maxSeqLength?: number;
  validationSplit?: number;
  testSplit?: number;
  /** The job's explicit validation set: checked for rows that are in the training data too. */
  validationDatasetVersionId?: string;
}

/** Sketches read for the cross-dataset check: up to this many bytes in all (≈ 100k rows each for two datasets). */
const MAX_SKETCH_BYTES = 64 * 1024 * 1024;

async function readSketch(storage: BlobStorage, key: string) {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of await storage.get(key)) {
    parts.push(c as Buffer);
    n += (c as Buffer).length;
  }
  return { sketch: decodeSketch(new Uint8Array(Buffer.concat(parts, n))), bytes: n };
}

type SketchedVersion = { id: string; version: number; sketchKey: string | null; dataset: { name: string } };

/** The duplicate sketches of `ids`, up to MAX_SKETCH_BYTES in all; the versions without one are named. */
async function readSketches(storage: BlobStorage, ids: string[], byId: Map<string, SketchedVersion>) {
  const found: { id: string; name: string; sketch: ReturnType<typeof decodeSketch> }[] = [];
  const unchecked: { id: string; name: string }[] = [];
  let bytes = 0;
  for (const id of ids) {
    const v = byId.get(id)!;
    const name = `${v.dataset.name} v${v.version}`;
    if (!v.sketchKey || bytes > MAX_SKETCH_BYTES) {
      unchecked.push({ id, name });
      continue;
    }
    try {
      const s = await readSketch(storage, v.sketchKey);
      bytes += s.bytes;
      found.push({ id, name, sketch: s.sketch });
    } catch {
      unchecked.push({ id, name });
    }
  }
  return { found, unchecked };
}

export async function getJobReadiness(
  deps: { prisma: PrismaClient; storage: BlobStorage },
  teamId: string,
  input: JobReadinessInput,
) {
  const ids = [...new Set(input.datasetVersionIds)];
  const validationId = input.validationDatasetVersionId;
  const rows = await deps.prisma.datasetVersion.findMany({
    where: { id: { in: validationId ? [...ids, validationId] : ids }, dataset: { teamId } },
    select: {
      id: true,
      version: true,
      blobKey: true,
      sketchKey: true,
      filename: true,
      format: true,
      rowCount: true,
      bytes: true,
      readiness: true,
      dataset: { select: { name: true } },
    },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  ids.forEach((id, i) => {
    if (!byId.has(id))
      throw new AppError("NOT_FOUND", `dataset version "${id}" not found in this team (it may have been deleted)`, {
        field: `datasets.${i}.datasetVersionId`,
      });
  });
  if (validationId && !byId.has(validationId))
    throw new AppError(
      "NOT_FOUND",
      `dataset version "${validationId}" not found in this team (it may have been deleted)`,
      {
        field: "validationDatasetVersionId",
      },
    );
  const model = input.baseModelId
    ? await deps.prisma.baseModel.findFirst({
        where: { id: input.baseModelId, OR: [{ teamId }, { teamId: null }] },
        select: { id: true, name: true, source: true, ref: true, contextLength: true },
      })
    : null;
  if (input.baseModelId && !model)
    throw new AppError("BAD_REQUEST", `base model "${input.baseModelId}" not found in this team`, {
      field: "baseModelId",
    });

  const maxSeqLength = input.maxSeqLength ?? DEFAULT_HYPERPARAMETERS.maxSeqLength;
  const split = {
    validationSplit: input.validationSplit ?? DEFAULT_HYPERPARAMETERS.validationSplit,
    testSplit: input.testSplit ?? DEFAULT_HYPERPARAMETERS.testSplit,
  };
  const checks: ReadinessCheck[] = [];
  const versions = [];
  for (const id of ids) {
    const v = byId.get(id)!;
    const label = `${v.dataset.name} v${v.version}`;
    const r = v.readiness as unknown as DatasetReadiness | null;
    versions.push({
      datasetVersionId: v.id,
      dataset: v.dataset.name,
      version: v.version,
      verdict: (r?.verdict ?? null) as ReadinessVerdict | null,
      reason: r?.reason ?? "Uploaded before readiness checks existed: upload it again to check it.",
      blockers: r ? r.checks.filter((c) => c.severity === "blocker").map((c) => c.title) : [],
    });
    if (!r) continue;
    const tag = (c: ReadinessCheck): ReadinessCheck => ({ ...c, details: { ...c.details, dataset: label } });
    if (model) {
      const counts = await countTokens(
        deps.storage,
        { ...v, bytes: Number(v.bytes), readiness: r },
        model,
        maxSeqLength,
      );
      checks.push(tag(tokenLengthCheck(counts, input.technique ?? techniqueOfFormat(v.format), model)));
    }
    checks.push(tag(splitLeakageCheck(r, split)));
  }

  // Duplicates between the datasets of the job, and between them and the validation set, from their sketches.
  const threshold =
    (byId.get(ids[0]!)!.readiness as unknown as DatasetReadiness | null)?.settings.nearDuplicateThreshold ??
    DEFAULT_NEAR_DUPLICATE_THRESHOLD;
  if (ids.length > 1 || validationId) {
    const sketches = await readSketches(deps.storage, validationId ? [...ids, validationId] : ids, byId);
    const results = (a: number, b: number): CrossDatasetResult => {
      const r = crossDuplicates(sketches.found[a]!.sketch, sketches.found[b]!.sketch, threshold, 3);
      return { dataset: sketches.found[b]!.name, otherDataset: sketches.found[a]!.name, ...r };
    };
    const training = sketches.found.filter((s) => s.id !== validationId).map((s) => sketches.found.indexOf(s));
    if (ids.length > 1) {
      const pairs: CrossDatasetResult[] = [];
      for (let i = 0; i < training.length; i++)
        for (let j = i + 1; j < training.length; j++) pairs.push(results(training[i]!, training[j]!));
      const unchecked = sketches.unchecked.filter((u) => u.id !== validationId).map((u) => u.name);
      checks.push(crossDatasetCheck(pairs, threshold, unchecked));
    }
    if (validationId) {
      const v = sketches.found.findIndex((s) => s.id === validationId);
      const leaks = v < 0 ? [] : training.map((t) => results(t, v));
      checks.push(
        validationLeakageCheck(
          leaks,
          threshold,
          sketches.unchecked.map((u) => u.name),
        ),
      );
    }
  }

  const blocked = versions.filter((v) => v.verdict === "blocked");
  const jobVerdict = verdictOf(checks);
  let verdict: ReadinessVerdict = jobVerdict.verdict;
  let reason = jobVerdict.reason;
  if (blocked.length) {
    verdict = "blocked";
    reason = blocked.map((v) => `${v.dataset} v${v.version}: ${v.reason}`).join(" ");
  } else if (versions.some((v) => v.verdict === "needs_attention") && verdict === "ready") {
    verdict = "needs_attention";
    reason = versions
      .filter((v) => v.verdict === "needs_attention")
      .map((v) => `${v.dataset} v${v.version}: ${v.reason}`)
      .join(" ");
  }
  return { verdict, reason, versions, checks, model: model ? { id: model.id, name: model.name } : null, maxSeqLength };
}

/** The override of a blocked job: why the team trains on this data anyway (kept in the audit log). */
export interface ReadinessOverride {
  reason: string;
}

/**
 * Refuses a job whose data a readiness check blocks, unless the caller gives a reason to override (which the
 * caller then records in the audit log). Returns the blocked versions (empty when nothing blocks).
 */
export async function assertJobDataReady(
  prisma: PrismaClient,
  teamId: string,
  datasetVersionIds: string[],
  override: ReadinessOverride | undefined,
) {
  const rows = await prisma.datasetVersion.findMany({
    where: { id: { in: datasetVersionIds }, dataset: { teamId } },
    select: { id: true, version: true, readiness: true, dataset: { select: { name: true } } },
  });
  const blocked = rows
    .map((v) => ({ v, r: v.readiness as unknown as DatasetReadiness | null }))
    .filter(({ r }) => r?.verdict === "blocked")
    .map(({ v, r }) => ({ datasetVersionId: v.id, dataset: v.dataset.name, version: v.version, reason: r!.reason }));
  if (blocked.length && !override) {
    throw new AppError(
      "PRECONDITION_FAILED",
      `the data is blocked by its readiness checks — ${blocked.map((b) => `${b.dataset} v${b.version}: ${b.reason}`).join(" ")} ` +
        `Train on a cleaned version, or override with readinessOverride.reason (recorded in the audit log).`,
      { field: "datasets", kind: "readiness_blocked", blocked },
    );
  }
  return blocked;
}
