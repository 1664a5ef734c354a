/**
 * An evaluation on demand (decision 0007): up to 8 models of the team or the instance, the first the reference every
 * other is compared with, on one evaluation set — every row of dataset versions of the team, or the held-out test
 * split a training job carved (`jobId`). Each bad input is refused with the field it concerns. The row is committed
 * `queued` with `enqueuedAt` null, then enqueued; if Redis is down the reconciler enqueues it later.
 */
import { hyperparametersSchema, type Technique } from "@whetstone/core";
import { TECHNIQUE_FORMATS } from "@whetstone/queue";
import { AppError } from "../errors";
import { MAX_LINEAGE_DEPTH } from "../jobs/base-model-ref";
import type { ApiDeps } from "../trpc";
import { enqueueEvaluationOrFail } from "./enqueue-evaluation";
import { evaluationSettingsSchema, type EvaluationSettings } from "./evaluation-settings";

export const MAX_EVALUATION_MODELS = 8;
export const MAX_EVALUATION_DATASETS = 16;

export interface CreateEvaluationInput {
  name?: string;
  /** The reference first (a fine-tune's base), then the models compared with it. */
  models: { modelId: string; label?: string }[];
  /** Evaluate every row of these dataset versions of the team… */
  datasetVersionIds?: string[];
  /** …or the held-out test split this training job of the team carved (its datasets, testSplit and seed). */
  jobId?: string;
  /** Default: the technique of the job (`jobId`), else of the first model produced by a fine-tuning job. */
  technique?: Technique;
  settings?: Partial<EvaluationSettings>;
}

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue" | "storage">;

const bad = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("BAD_REQUEST", message, { field, ...details });

export async function createEvaluation(
  deps: Deps,
  actor: { teamId: string; userId: string },
  input: CreateEvaluationInput,
): Promise<{ id: string }> {
  const { prisma } = deps;

  // ── models
  if (input.models.length < 2) {
    throw bad(
      "models",
      `an evaluation compares a reference model (first) with at least one other; got ${input.models.length} model${input.models.length === 1 ? "" : "s"}`,
    );
  }
  if (input.models.length > MAX_EVALUATION_MODELS) {
    throw bad("models", `an evaluation compares at most ${MAX_EVALUATION_MODELS} models; got ${input.models.length}`);
  }
  input.models.forEach((m, i) => {
    const first = input.models.findIndex((o) => o.modelId === m.modelId);
    if (first !== i) throw bad(`models.${i}.modelId`, `model "${m.modelId}" is already in the list (models.${first})`);
  });
  const rows = await prisma.baseModel.findMany({
    where: { id: { in: input.models.map((m) => m.modelId) }, OR: [{ teamId: actor.teamId }, { teamId: null }] },
    select: {
      id: true,
      name: true,
      source: true,
      sourceJob: { select: { id: true, technique: true } },
    },
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const models = input.models.map((m, i) => {
    const row = byId.get(m.modelId);
    if (!row) {
      throw new AppError("NOT_FOUND", `model "${m.modelId}" not found in this team`, { field: `models.${i}.modelId` });
    }
    return { ...row, field: `models.${i}.modelId`, label: m.label?.trim() || row.name };
  });
  for (const m of models) if (m.source === "artifact") await assertLoadable(deps, m.id, m.field);

  // ── evaluation set
  if (input.jobId !== undefined && input.datasetVersionIds !== undefined) {
    throw bad("jobId", "give either jobId (a training job's test split) or datasetVersionIds (every row), not both");
  }
  let split: { kind: "test" | "all"; fraction: number; seed: number; sourceJobId: string | null };
  let datasetVersionIds: string[];
  let datasetField: (i: number) => string;
  let jobTechnique: Technique | null = null;
  let jobMaxSeqLength: number | null = null;
  if (input.jobId !== undefined) {
    const job = await prisma.fineTuneJob.findFirst({
      where: { id: input.jobId, teamId: actor.teamId },
      select: { id: true, name: true, technique: true, seed: true, hyperparameters: true, datasets: true },
    });
    if (!job) throw new AppError("NOT_FOUND", `job "${input.jobId}" not found`, { field: "jobId" });
    const hp = hyperparametersSchema.partial().safeParse(job.hyperparameters);
    const testSplit = (hp.success ? hp.data.testSplit : undefined) ?? 0.1;
    if (testSplit <= 0) {
      throw bad("jobId", `job "${job.name}" held out no test split (testSplit 0); name dataset versions instead`);
    }
    split = { kind: "test", fraction: testSplit, seed: job.seed, sourceJobId: job.id };
    datasetVersionIds = job.datasets.map((d) => d.datasetVersionId);
    datasetField = () => "jobId";
    jobTechnique = job.technique;
    jobMaxSeqLength = (hp.success ? hp.data.maxSeqLength : undefined) ?? null;
  } else {
    if (!input.datasetVersionIds?.length) {
      throw bad(
        "datasetVersionIds",
        "name the dataset versions to evaluate on, or a training job (jobId) whose held-out test split to use",
      );
    }
    if (input.datasetVersionIds.length > MAX_EVALUATION_DATASETS) {
      throw bad("datasetVersionIds", `at most ${MAX_EVALUATION_DATASETS} dataset versions`);
    }
    input.datasetVersionIds.forEach((id, i) => {
      if (input.datasetVersionIds!.indexOf(id) !== i) {
        throw bad(`datasetVersionIds.${i}`, `dataset version "${id}" is already in the list`);
      }
    });
    split = { kind: "all", fraction: 0, seed: 42, sourceJobId: null };
    datasetVersionIds = input.datasetVersionIds;
    datasetField = (i) => `datasetVersionIds.${i}`;
  }

  // ── technique
  const producedBy = models.find((m) => m.sourceJob)?.sourceJob ?? null;
  const technique = input.technique ?? jobTechnique ?? producedBy?.technique;
  if (!technique) {
    throw bad("technique", "give the technique: no model was produced by a fine-tuning job to take it from");
  }
  for (const m of models) {
    // A classifier answers with its trained label head: it has nothing to say on a generative task. (A generative
    // model on a classification task is scored zero-shot, like a base.)
    if (m.sourceJob?.technique === "classification" && technique !== "classification") {
      throw bad(m.field, `model "${m.name}" was trained as a classifier; it cannot be evaluated with "${technique}"`);
    }
  }

  // ── datasets of the team, in formats the technique reads
  const versions = await prisma.datasetVersion.findMany({
    where: { id: { in: datasetVersionIds }, dataset: { teamId: actor.teamId } },
    select: { id: true, format: true, version: true, dataset: { select: { name: true } } },
  });
  const allowed: readonly string[] = TECHNIQUE_FORMATS[technique];
  datasetVersionIds.forEach((id, i) => {
    const v = versions.find((x) => x.id === id);
    if (!v) throw new AppError("NOT_FOUND", `dataset version "${id}" not found`, { field: datasetField(i) });
    if (!allowed.includes(v.format)) {
      throw bad(
        datasetField(i),
        `dataset "${v.dataset.name}" v${v.version} is in format "${v.format}"; technique "${technique}" needs one of: ${allowed.join(", ")}`,
        { format: v.format, allowed },
      );
    }
  });

  // ── settings, labels, name
  const settingsParsed = evaluationSettingsSchema.safeParse({
    ...(jobMaxSeqLength !== null ? { maxSeqLength: jobMaxSeqLength } : {}),
    ...input.settings,
  });
  if (!settingsParsed.success) {
    const issue = settingsParsed.error.issues[0]!;
    throw bad(`settings.${issue.path.join(".")}`, `settings.${issue.path.join(".")}: ${issue.message}`);
  }
  const labels = uniqueLabels(models.map((m) => m.label));
  const name =
    input.name?.trim() || `${labels.slice(1).join(", ")} vs ${labels[0]}`.slice(0, 120).trim() || "evaluation";

  const evaluation = await prisma.evaluation.create({
    data: {
      teamId: actor.teamId,
      createdById: actor.userId,
      name,
      technique,
      sourceJobId: split.sourceJobId,
      splitKind: split.kind,
      splitFraction: split.fraction,
      seed: split.seed,
      settings: settingsParsed.data,
      state: "queued",
      enqueuedAt: null,
      models: { create: models.map((m, i) => ({ position: i, baseModelId: m.id, label: labels[i]! })) },
      datasets: { create: datasetVersionIds.map((id) => ({ datasetVersionId: id })) },
    },
    select: { id: true },
  });

  const enqueued = await enqueueEvaluationOrFail(deps, evaluation.id);
  if (enqueued.outcome === "failed") throw new AppError("BAD_REQUEST", enqueued.reason!);
  if (enqueued.outcome === "retry") {
    console.warn(
      `evaluation ${evaluation.id} accepted but not enqueued yet (${enqueued.reason}); the reconciler will retry`,
    );
  }
  return evaluation;
}

/** Labels name the models in the report, so they must differ: a repeated one gets " (2)", " (3)"… */
export function uniqueLabels(labels: string[]): string[] {
  const seen = new Set<string>();
  return labels.map((l) => {
    let label = l;
    for (let n = 2; seen.has(label); n++) label = `${l} (${n})`;
    seen.add(label);
    return label;
  });
}

/**
 * A model produced by a job (and every artifact it is loaded on top of) must still be loadable: its job exists, it
 * recorded artifacts, and they are still in blob storage.
 */
async function assertLoadable(deps: Deps, modelId: string, field: string): Promise<void> {
  let id: string | null = modelId;
  for (let depth = 0; id && depth < MAX_LINEAGE_DEPTH; depth++) {
    const m: {
      name: string;
      source: string;
      ref: string;
      parentId: string | null;
      sourceJob: { name: string; _count: { artifacts: number } } | null;
    } | null = await deps.prisma.baseModel.findUnique({
      where: { id },
      select: {
        name: true,
        source: true,
        ref: true,
        parentId: true,
        sourceJob: { select: { name: true, _count: { select: { artifacts: true } } } },
      },
    });
    if (!m || m.source !== "artifact") return;
    const gone = !m.sourceJob || m.sourceJob._count.artifacts === 0 || (await deps.storage.list(m.ref)).length === 0;
    if (gone) {
      const whose = `the artifacts of model "${m.name}"${m.sourceJob ? ` (job "${m.sourceJob.name}")` : ""} are gone`;
      throw bad(
        field,
        id === modelId ? `${whose}; it can no longer be loaded` : `it is trained on top of a model: ${whose}`,
      );
    }
    id = m.parentId;
  }
}
