/**
 * The estimator (packages/core) fed from the database: model numbers from the base model (its own
 * parameterCount/contextLength, a preset matched by name, or the model an artifact was trained from), dataset
 * tokens from the versions' profiles. Used by `jobs.estimate` (the job form) and by admission (requiredVramMb).
 */
import {
  MIN_ESTIMATED_PARAMETERS,
  estimateJob,
  MODEL_PRESET_IDS,
  requiredVramMb,
  type JobEstimate,
  type JobSpec,
  type ModelPresetId,
} from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";

const MAX_LINEAGE_DEPTH = 16;

const normalize = (s: string) => s.toLowerCase().replace(/[^a-z0-9.]/g, "");

/** The preset whose id appears in the model's name or ref ("Qwen/Qwen2.5-0.5B" → qwen2.5-0.5b); the longest wins. */
export function matchModelPreset(...names: (string | null | undefined)[]): ModelPresetId | null {
  let best: ModelPresetId | null = null;
  for (const raw of names) {
    if (!raw) continue;
    const last = normalize(raw.split("/").filter(Boolean).pop() ?? raw);
    for (const id of MODEL_PRESET_IDS) {
      const p = normalize(id);
      // Whole-token match at the end of a number: "llama-2-7b" must not match "llama-2-70b".
      const i = last.indexOf(p);
      if (i < 0) continue;
      const next = last[i + p.length];
      if (next !== undefined && /[0-9]/.test(next)) continue;
      if (!best || p.length > normalize(best).length) best = id;
    }
  }
  return best;
}

export interface SpecEstimate {
  /** null when the model's size is unknown (no parameter count, no preset match): nothing can be estimated. */
  estimate: JobEstimate | null;
  requiredVramMb: number;
  model: {
    id: string;
    name: string;
    preset: ModelPresetId | null;
    parameters: number | null;
    contextLength: number | null;
  };
  datasetTokens: number;
  /** The platform's own assumptions (where the inputs came from), before the estimator's. */
  assumptions: string[];
  /** The largest runner that is not offline or disabled (the GPU the job must fit); null with no GPU runner. */
  largestRunner: { name: string; vramMb: number } | null;
}

type SpecLike = Pick<JobSpec, "baseModelId" | "method" | "datasets" | "hyperparameters"> &
  Partial<Pick<JobSpec, "technique">>;

export async function estimateJobSpec(prisma: PrismaClient, teamId: string, spec: SpecLike): Promise<SpecEstimate> {
  const base = await prisma.baseModel.findFirst({
    where: { id: spec.baseModelId, OR: [{ teamId }, { teamId: null }] },
  });
  if (!base)
    throw new AppError("NOT_FOUND", `base model "${spec.baseModelId}" not found in this team`, {
      field: "baseModelId",
    });

  // Walk the lineage for numbers an artifact may lack.
  let parameters: number | null = null;
  let contextLength: number | null = null;
  let preset: ModelPresetId | null = null;
  let m: typeof base | null = base;
  for (let depth = 0; m && depth < MAX_LINEAGE_DEPTH; depth++) {
    parameters ??= m.parameterCount !== null ? Number(m.parameterCount) : null;
    contextLength ??= m.contextLength;
    preset ??= matchModelPreset(m.name, m.ref);
    if ((parameters !== null || preset) && m.source !== "artifact") break;
    m = m.parentId ? await prisma.baseModel.findUnique({ where: { id: m.parentId } }) : null;
  }

  const versions = await prisma.datasetVersion.findMany({
    where: { id: { in: spec.datasets.map((d) => d.datasetVersionId) }, dataset: { teamId } },
    select: { id: true, rowCount: true, profile: true },
  });
  spec.datasets.forEach((d, i) => {
    if (!versions.some((v) => v.id === d.datasetVersionId)) {
      throw new AppError("NOT_FOUND", `dataset version "${d.datasetVersionId}" not found in this team`, {
        field: `datasets.${i}.datasetVersionId`,
      });
    }
  });
  const tokensOf = (profile: unknown, rows: number) => {
    const t = (profile as { approxTokens?: unknown } | null)?.approxTokens;
    return typeof t === "number" && Number.isFinite(t) ? t : rows * 256;
  };
  const allTokens = versions.reduce((sum, v) => sum + tokensOf(v.profile, v.rowCount), 0);
  const hp = spec.hyperparameters;
  const datasetTokens = Math.round(allTokens * (1 - hp.validationSplit));

  const assumptions: string[] = [];
  const modelInfo = { id: base.id, name: base.name, preset, parameters, contextLength };
  const largestRunner = await findLargestRunner(prisma);
  if (!preset && parameters === null) {
    assumptions.push(
      `The size of "${base.name}" is unknown (no parameter count, no known model in its name): no estimate.`,
    );
    return { estimate: null, requiredVramMb: 0, model: modelInfo, datasetTokens, assumptions, largestRunner };
  }
  if (!preset && parameters! < MIN_ESTIMATED_PARAMETERS) {
    // A test-sized model (registered counts are only required to be positive): its memory is negligible.
    assumptions.push(
      `"${base.name}" has ${parameters} parameters, below the estimator's range (${MIN_ESTIMATED_PARAMETERS / 1e6} M): no estimate; it needs next to no memory.`,
    );
    return { estimate: null, requiredVramMb: 0, model: modelInfo, datasetTokens, assumptions, largestRunner };
  }
  assumptions.push(
    preset
      ? `Model numbers: "${base.name}" matched the published configuration ${preset}.`
      : `Model numbers: "${base.name}" has ${parameters} parameters (registered); the architecture is derived from that.`,
  );
  assumptions.push(
    `Dataset tokens: ${datasetTokens} = the profiles' token estimates of ${versions.length} dataset version${versions.length === 1 ? "" : "s"} (${allTokens}) less the ${Math.round(hp.validationSplit * 100)}% validation split.`,
  );
  if (contextLength !== null && hp.maxSeqLength > contextLength) {
    assumptions.push(`maxSeqLength ${hp.maxSeqLength} exceeds the model's context length ${contextLength}.`);
  }
  // DPO runs the chosen and the rejected answer of each pair through the model in one batch.
  const sequencesPerExample = spec.technique === "preference" ? 2 : 1;
  if (sequencesPerExample === 2) {
    assumptions.push(
      `Preference tuning (DPO): each pair is two sequences (chosen and rejected) in one batch, so a batch of ${hp.batchSize} pairs is estimated as ${hp.batchSize * 2} sequences; the reference model's forward passes (no gradients) are not counted.`,
    );
  }
  const estimate = estimateJob({
    model: preset ?? { parameters: parameters! },
    method: spec.method,
    loraR: hp.loraR,
    loraDropout: hp.loraDropout,
    batchSize: hp.batchSize * sequencesPerExample,
    gradientAccumulationSteps: hp.gradientAccumulationSteps,
    maxSeqLength: hp.maxSeqLength,
    datasetTokens,
    epochs: hp.epochs,
    maxSteps: hp.maxSteps,
    gradientCheckpointing: hp.gradientCheckpointing,
    // "auto" checks the fit against the largest runner, else the estimator's default GPU.
    gpuMemoryBytes: largestRunner ? largestRunner.vramMb * 1024 ** 2 : undefined,
  });
  if (largestRunner) {
    assumptions.push(
      `GPU memory checked against the largest runner, ${largestRunner.name} (${formatGb(largestRunner.vramMb, "down")}).`,
    );
  }
  return {
    estimate,
    requiredVramMb: requiredVramMb(estimate),
    model: modelInfo,
    datasetTokens,
    assumptions,
    largestRunner,
  };
}

/** The largest runner that is not offline or disabled and reports its GPU memory. */
async function findLargestRunner(prisma: PrismaClient): Promise<{ name: string; vramMb: number } | null> {
  const r = await prisma.runner.findFirst({
    where: { state: { notIn: ["offline", "disabled"] }, vramMb: { gt: 0 } },
    orderBy: [{ vramMb: "desc" }, { name: "asc" }],
    select: { name: true, vramMb: true },
  });
  return r?.vramMb ? { name: r.name, vramMb: r.vramMb } : null;
}

/** "80 GB", "12.5 GB": GPU memory as users read it on a spec sheet (1 GB = 1024 MiB here), to 0.1 GB rounded
 *  `up` (what a job needs) or down (what a GPU has), so a need above a GPU's size never prints as the same number. */
export function formatGb(mb: number, round: "up" | "down"): string {
  const tenths = round === "up" ? Math.ceil((mb / 1024) * 10) : Math.floor((mb / 1024) * 10);
  return `${(tenths / 10).toFixed(1).replace(/\.0$/, "")} GB`;
}

/**
 * Refuses a job that fits no registered GPU runner: its requiredVramMb exceeds the VRAM of every runner that is
 * not offline or disabled. With no GPU runner registered (a fresh install, CPU runners) nothing is refused.
 */
export async function assertFitsARunner(prisma: PrismaClient, required: number): Promise<void> {
  if (required <= 0) return;
  const largest = await findLargestRunner(prisma);
  if (!largest?.vramMb || required <= largest.vramMb) return;
  throw new AppError(
    "PRECONDITION_FAILED",
    `needs ${formatGb(required, "up")} of GPU memory; the largest runner, ${largest.name}, has ${formatGb(largest.vramMb, "down")}`,
    {
      field: "hyperparameters",
      requiredVramMb: required,
      largestRunner: largest.name,
      largestRunnerVramMb: largest.vramMb,
    },
  );
}
