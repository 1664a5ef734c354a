/**
 * /v1/fine_tuning/jobs over Whetstone's jobs (decision 0010). Creating one translates OpenAI's parameters into a
 * job spec and calls `createJob` — the same validation, readiness checks, quota admission and queue as the dashboard;
 * cancel, pause and resume call `cancelJob`, `pauseJob` and `resumeJob`. Nothing here decides anything about a job:
 * it names things the way the official SDKs expect.
 */
import { z } from "zod";
import {
  DEFAULT_HYPERPARAMETERS,
  defaultHyperparameter,
  FORMATS_FOR_TECHNIQUE,
  hyperparametersSchema,
  jobSpecSchema,
  methodSchema,
  techniqueSchema,
  type JobState,
  type Technique,
} from "@whetstone/core";
import type { Prisma, PrismaClient } from "@whetstone/db";
import { cancelJob } from "../jobs/cancel-job";
import { createJob } from "../jobs/create-job";
import { pauseJob } from "../jobs/pause-job";
import { resumeJob } from "../jobs/resume-job";
import type { ApiDeps } from "../trpc";
import { invalidRequest, notFoundError, OpenAiError, toOpenAiError } from "./errors";
import { datasetVersionOfFile } from "./files";
import { fileId, jobId as openAiJobId, JOB_PREFIX, resultFileId, stripPrefix, SUFFIX_RE, unix } from "./ids";
import { fineTunedModelOf, resolveModel, type OpenAiTeam } from "./models";
import { parseBody } from "./parse";

// ─── the request ─────────────────────────────────────────────────────────────

const auto = <T extends z.ZodType>(t: T) => z.union([z.literal("auto"), t]);
const supervisedHyperparameters = z.object({
  batch_size: auto(z.number().int().min(1).max(1024)).optional(),
  learning_rate_multiplier: auto(z.number().gt(0).max(1000)).optional(),
  n_epochs: auto(z.number().int().min(1).max(100)).optional(),
});
/** DPO's: the supervised ones and β (Whetstone's preference-tuning `beta`). */
const dpoHyperparameters = supervisedHyperparameters.extend({
  beta: auto(z.number().gt(0).max(10)).optional(),
});

/** Whetstone's own knobs, beside OpenAI's (`extra_body={"whetstone": {...}}` in Python, an extra key in Node). */
const whetstoneExtension = z.object({
  technique: techniqueSchema.optional(),
  method: methodSchema.optional(),
  hyperparameters: z.record(z.string(), z.unknown()).optional(),
  priority: z.number().int().min(0).max(10).optional(),
  readinessOverride: z.object({ reason: z.string() }).optional(),
});

export const jobCreateSchema = z.object({
  model: z.string().min(1),
  training_file: z.string().min(1),
  validation_file: z.string().nullish(),
  /** Deprecated by OpenAI in favour of method.supervised.hyperparameters; still accepted. */
  hyperparameters: supervisedHyperparameters.optional(),
  method: z
    .object({
      type: z.enum(["supervised", "dpo", "reinforcement"]),
      supervised: z.object({ hyperparameters: supervisedHyperparameters.optional() }).nullish(),
      dpo: z.object({ hyperparameters: dpoHyperparameters.optional() }).nullish(),
      reinforcement: z.unknown().optional(),
    })
    .optional(),
  suffix: z.string().nullish(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .nullish(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
  integrations: z.array(z.unknown()).nullish(),
  whetstone: whetstoneExtension.optional(),
});
export type JobCreateBody = z.infer<typeof jobCreateSchema>;

/** Whetstone hyperparameter → the OpenAI parameter it came from (for error params). */
const HP_PARAM: Record<string, string> = {
  epochs: "n_epochs",
  batchSize: "batch_size",
  learningRate: "learning_rate_multiplier",
  beta: "beta",
};

export function techniqueForFormat(format: string): Technique {
  for (const [technique, formats] of Object.entries(FORMATS_FOR_TECHNIQUE)) {
    if ((formats as readonly string[]).includes(format)) return technique as Technique;
  }
  return "sft";
}

export async function createFineTuningJob(
  deps: Pick<ApiDeps, "prisma" | "trainingQueue">,
  actor: { team: OpenAiTeam; userId: string },
  rawBody: unknown,
) {
  const body = parseBody(jobCreateSchema, rawBody);
  const { prisma } = deps;
  const methodType = body.method?.type ?? "supervised";
  if (methodType === "reinforcement") {
    throw invalidRequest(
      "method.type 'reinforcement' is not available on Whetstone: it has no graders. Use method.type 'supervised'.",
      "method.type",
      "unsupported_method",
    );
  }
  if (body.integrations?.length) {
    throw invalidRequest(
      "integrations are not supported by Whetstone: its job page shows the loss curves and metrics itself",
      "integrations",
      "unsupported_parameter",
    );
  }
  if (body.suffix != null && !SUFFIX_RE.test(body.suffix)) {
    throw invalidRequest(
      "suffix: up to 64 characters, letters, digits, '-' and '_' only (it becomes part of the model's name)",
      "suffix",
      "invalid_value",
    );
  }
  if (body.metadata && Object.keys(body.metadata).length > 16) {
    throw invalidRequest("metadata: at most 16 key-value pairs", "metadata", "invalid_value");
  }

  const model = await resolveModel(prisma, actor.team, body.model);
  if (!model) {
    throw invalidRequest(
      `Model ${body.model} is not available for fine-tuning or does not exist.`,
      "model",
      "model_not_available",
    );
  }
  if (model.checkpoint) {
    throw invalidRequest(
      `${body.model} is a checkpoint: Whetstone fine-tunes a base model or a job's final model, not a checkpoint`,
      "model",
      "model_not_available",
    );
  }
  const version = await datasetVersionOfFile(prisma, actor.team.id, body.training_file);
  if (!version) {
    // Another team's file is answered as absent: its existence is not revealed.
    throw invalidRequest(`invalid training_file: ${body.training_file}`, "training_file", "invalid_training_file");
  }
  // A validation file is validated on instead of a held-out share of training_file (createJob checks its format).
  const validation = body.validation_file
    ? await datasetVersionOfFile(prisma, actor.team.id, body.validation_file)
    : null;
  if (body.validation_file && !validation) {
    throw invalidRequest(
      `invalid validation_file: ${body.validation_file}`,
      "validation_file",
      "invalid_validation_file",
    );
  }
  const { format, rowCount } = await prisma.datasetVersion.findUniqueOrThrow({
    where: { id: version.id },
    select: { format: true, rowCount: true },
  });

  const ext = body.whetstone ?? {};
  // DPO is Whetstone's preference tuning, on a file of preference pairs; supervised picks the technique by format.
  const dpo = methodType === "dpo";
  const technique = ext.technique ?? (dpo ? "preference" : techniqueForFormat(format));
  if (!ext.technique && dpo !== (format === "preference")) {
    throw invalidRequest(
      dpo
        ? `method.type 'dpo' needs a file of preference pairs (rows with "input", "preferred_output" and ` +
            `"non_preferred_output", or "prompt", "chosen" and "rejected"); ${body.training_file} is ${format}`
        : `${body.training_file} holds preference pairs: train on it with method.type 'dpo'`,
      "training_file",
      "invalid_training_file",
    );
  }
  const methodHp = dpo ? body.method?.dpo?.hyperparameters : body.method?.supervised?.hyperparameters;
  const hp = methodHp ?? body.hyperparameters ?? {};
  const hpPrefix = methodHp ? `method.${dpo ? "dpo" : "supervised"}.hyperparameters` : "hyperparameters";
  const beta = "beta" in hp ? hp.beta : undefined;
  const batchSize = hp.batch_size === undefined || hp.batch_size === "auto" ? undefined : hp.batch_size;
  const multiplier = hp.learning_rate_multiplier;
  const hyperparameters: Record<string, unknown> = {
    ...(hp.n_epochs !== undefined && hp.n_epochs !== "auto" ? { epochs: hp.n_epochs } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(multiplier !== undefined && multiplier !== "auto"
      ? { learningRate: DEFAULT_HYPERPARAMETERS.learningRate * multiplier }
      : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
    // "auto": the technique's default (TECHNIQUE_HYPERPARAMETERS), resolved when the job is created.
    ...(beta !== undefined && beta !== "auto" ? { beta } : {}),
  };
  // "auto" values: the product's defaults, and sequences no longer than the model's context.
  if (model.contextLength != null && DEFAULT_HYPERPARAMETERS.maxSeqLength > model.contextLength) {
    hyperparameters.maxSeqLength = model.contextLength;
  }
  Object.assign(hyperparameters, ext.hyperparameters ?? {});
  // OpenAI keeps a checkpoint at the end of each epoch (and evaluates there), with the training loss beside it: so
  // does a job created here, unless the caller set its own intervals.
  const resolved = hyperparametersSchema.safeParse(hyperparameters);
  if (resolved.success) {
    const h = resolved.data;
    const held = validation ? 0 : h.validationSplit;
    const trainRows = Math.max(1, Math.floor(rowCount * (1 - h.testSplit) * (1 - held)));
    const stepsPerEpoch = Math.max(1, Math.ceil(trainRows / (h.batchSize * h.gradientAccumulationSteps)));
    const given = ext.hyperparameters ?? {};
    if (!("checkpointEverySteps" in given)) hyperparameters.checkpointEverySteps = stepsPerEpoch;
    if (!("evalEverySteps" in given)) hyperparameters.evalEverySteps = stepsPerEpoch;
    if (!("logEverySteps" in given)) hyperparameters.logEverySteps = Math.min(h.logEverySteps, stepsPerEpoch);
  }

  const spec = jobSpecSchema.safeParse({
    name: body.suffix ?? undefined,
    baseModelId: model.id,
    technique,
    method: ext.method ?? "lora",
    datasets: [{ datasetVersionId: version.id, weight: 1 }],
    validationDatasetVersionId: validation?.id,
    hyperparameters,
    priority: ext.priority,
    readinessOverride: ext.readinessOverride,
  });
  if (!spec.success) {
    const issue = spec.error.issues[0]!;
    const [head, field, ...rest] = issue.path.map(String);
    const param =
      head === "validationDatasetVersionId"
        ? "validation_file"
        : head === "hyperparameters" &&
            field &&
            HP_PARAM[field] &&
            !(ext.hyperparameters && field in ext.hyperparameters)
          ? `${hpPrefix}.${HP_PARAM[field]}`
          : `whetstone.${[head, field, ...rest].filter(Boolean).join(".")}`;
    throw invalidRequest(`${param}: ${issue.message}`, param, "invalid_value");
  }

  let created: { id: string };
  try {
    created = await createJob(deps, { teamId: actor.team.id, userId: actor.userId }, spec.data);
  } catch (err) {
    throw (
      toOpenAiError(err, {
        baseModelId: "model",
        "datasets.0.datasetVersionId": "training_file",
        datasets: "training_file",
        validationDatasetVersionId: "validation_file",
        "hyperparameters.epochs": `${hpPrefix}.n_epochs`,
        "hyperparameters.batchSize": `${hpPrefix}.batch_size`,
        "hyperparameters.learningRate": `${hpPrefix}.learning_rate_multiplier`,
        "hyperparameters.beta": `${hpPrefix}.beta`,
        hyperparameters: "whetstone.hyperparameters",
        readinessOverride: "whetstone.readinessOverride",
      }) ?? err
    );
  }
  if (body.suffix || body.metadata) {
    await prisma.fineTuneJob.update({
      where: { id: created.id },
      data: { suffix: body.suffix ?? null, ...(body.metadata ? { metadata: body.metadata } : {}) },
    });
  }
  return retrieveFineTuningJob(prisma, actor.team, created.id);
}

// ─── the job object ──────────────────────────────────────────────────────────

const jobSelect = {
  id: true,
  teamId: true,
  state: true,
  createdAt: true,
  finishedAt: true,
  error: true,
  baseModelId: true,
  technique: true,
  suffix: true,
  metadata: true,
  seed: true,
  hyperparameters: true,
  summary: true,
  cancelRequestedAt: true,
  pauseRequestedAt: true,
  datasets: { select: { datasetVersionId: true }, orderBy: { datasetVersionId: "asc" } },
  validationSetId: true,
} satisfies Prisma.FineTuneJobSelect;
type JobRow = Prisma.FineTuneJobGetPayload<{ select: typeof jobSelect }>;

/** Whetstone's states are OpenAI's words; waiting for quota is still `queued` to OpenAI's clients. */
export function openAiStatus(state: JobState): string {
  return state === "pending_quota" ? "queued" : state;
}

function openAiHyperparameters(h: Record<string, unknown>) {
  const lr = typeof h.learningRate === "number" ? h.learningRate : DEFAULT_HYPERPARAMETERS.learningRate;
  return {
    batch_size: typeof h.batchSize === "number" ? h.batchSize : DEFAULT_HYPERPARAMETERS.batchSize,
    learning_rate_multiplier: Number((lr / DEFAULT_HYPERPARAMETERS.learningRate).toPrecision(6)),
    n_epochs: typeof h.epochs === "number" ? h.epochs : DEFAULT_HYPERPARAMETERS.epochs,
  };
}

/** A preference-tuning job is OpenAI's `dpo` method, with its β; every other technique reads as `supervised`. */
function openAiMethod(
  technique: Technique,
  hyperparameters: ReturnType<typeof openAiHyperparameters>,
  h: Record<string, unknown>,
): { type: "supervised"; supervised: object } | { type: "dpo"; dpo: object } {
  if (technique !== "preference") return { type: "supervised", supervised: { hyperparameters } };
  const beta = typeof h.beta === "number" ? h.beta : defaultHyperparameter("beta");
  return { type: "dpo", dpo: { hyperparameters: { ...hyperparameters, beta } } };
}

async function toFineTuningJob(prisma: PrismaClient, team: OpenAiTeam, j: JobRow) {
  const state = j.state as JobState;
  const hyperparameters = openAiHyperparameters((j.hyperparameters ?? {}) as Record<string, unknown>);
  const summary = (j.summary ?? {}) as Record<string, number>;
  const base = await prisma.baseModel.findUnique({
    where: { id: j.baseModelId },
    select: { name: true, source: true },
  });
  let estimatedFinish: number | null = null;
  if (state === "running") {
    const eta = await prisma.metricPoint.findFirst({
      where: { jobId: j.id, name: "eta_seconds" },
      orderBy: { step: "desc" },
      select: { value: true, createdAt: true },
    });
    if (eta) estimatedFinish = Math.round(eta.createdAt.getTime() / 1000 + eta.value);
  }
  const trainingVersion = j.datasets[0]?.datasetVersionId;
  return {
    id: openAiJobId(j.id),
    object: "fine_tuning.job" as const,
    created_at: unix(j.createdAt),
    error:
      state === "failed"
        ? { code: "job_failed", message: j.error ?? "the job failed without a message", param: null }
        : null,
    fine_tuned_model: state === "succeeded" ? await fineTunedModelOf(prisma, team, j) : null,
    finished_at: j.finishedAt ? unix(j.finishedAt) : null,
    hyperparameters,
    method: openAiMethod(j.technique, hyperparameters, (j.hyperparameters ?? {}) as Record<string, unknown>),
    model: base?.source === "artifact" ? await artifactModelName(prisma, team, j.baseModelId) : (base?.name ?? ""),
    organization_id: team.slug,
    result_files: state === "succeeded" ? [resultFileId(j.id)] : [],
    seed: j.seed,
    status: openAiStatus(state),
    trained_tokens: state === "succeeded" && typeof summary.tokens_seen === "number" ? summary.tokens_seen : null,
    training_file: trainingVersion ? fileId(trainingVersion) : "",
    validation_file: j.validationSetId ? fileId(j.validationSetId) : null,
    estimated_finish: estimatedFinish,
    integrations: [],
    metadata: (j.metadata ?? null) as Record<string, string> | null,
    user_provided_suffix: j.suffix,
    // Whetstone's own detail: the technique it ran, and a pause or cancel asked for and not yet done.
    whetstone: {
      technique: j.technique,
      state,
      pausing: j.pauseRequestedAt !== null && (state === "running" || state === "queued"),
      cancelling: j.cancelRequestedAt !== null && (state === "running" || state === "queued"),
    },
  };
}
export type FineTuningJobObject = Awaited<ReturnType<typeof toFineTuningJob>>;

/** The `model` of a job trained from an earlier fine-tune: that fine-tune's OpenAI name. */
async function artifactModelName(prisma: PrismaClient, team: OpenAiTeam, baseModelId: string): Promise<string> {
  const m = await prisma.baseModel.findUnique({
    where: { id: baseModelId },
    select: { name: true, sourceJob: { select: { id: true, baseModelId: true, suffix: true } } },
  });
  if (!m) return baseModelId;
  return m.sourceJob ? fineTunedModelOf(prisma, team, m.sourceJob) : m.name;
}

export const noSuchJob = (id: string) => notFoundError(`No fine-tuning job found with id ${id}`, "fine_tuning_job_id");

async function findJob(prisma: PrismaClient, team: OpenAiTeam, id: string): Promise<JobRow> {
  const row = await prisma.fineTuneJob.findFirst({
    where: { id: stripPrefix(id, JOB_PREFIX), teamId: team.id },
    select: jobSelect,
  });
  if (!row) throw noSuchJob(id);
  return row;
}

export async function retrieveFineTuningJob(prisma: PrismaClient, team: OpenAiTeam, id: string) {
  return toFineTuningJob(prisma, team, await findJob(prisma, team, id));
}

export interface ListJobsQuery {
  after?: string | null;
  limit: number;
  metadata?: Record<string, string>;
}

/** Newest first; `after` is the last job id of the previous page; `metadata[k]=v` keeps jobs carrying every pair. */
export async function listFineTuningJobs(prisma: PrismaClient, team: OpenAiTeam, q: ListJobsQuery) {
  const where: Prisma.FineTuneJobWhereInput = {
    teamId: team.id,
    AND: Object.entries(q.metadata ?? {}).map(([k, v]) => ({ metadata: { path: [k], equals: v } })),
  };
  if (q.after) {
    const c = await prisma.fineTuneJob.findFirst({
      where: { id: stripPrefix(q.after, JOB_PREFIX), teamId: team.id },
      select: { id: true, createdAt: true },
    });
    if (!c) throw invalidRequest(`after: no fine-tuning job ${q.after}`, "after");
    where.OR = [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }];
  }
  const rows = await prisma.fineTuneJob.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: q.limit + 1,
    select: jobSelect,
  });
  const data = [];
  for (const r of rows.slice(0, q.limit)) data.push(await toFineTuningJob(prisma, team, r));
  return { object: "list" as const, data, has_more: rows.length > q.limit };
}

export interface JobActionActor {
  team: OpenAiTeam;
  userId: string;
}

type ActionDeps = Pick<ApiDeps, "prisma" | "redis" | "trainingQueue">;

async function act(
  deps: ActionDeps,
  actor: JobActionActor,
  id: string,
  action: (deps: ActionDeps, a: { teamId: string; userId: string }, jobId: string) => Promise<unknown>,
) {
  const job = await findJob(deps.prisma, actor.team, id);
  try {
    await action(deps, { teamId: actor.team.id, userId: actor.userId }, job.id);
  } catch (err) {
    throw toOpenAiError(err) ?? err;
  }
  return retrieveFineTuningJob(deps.prisma, actor.team, job.id);
}

export const cancelFineTuningJob = (deps: ActionDeps, actor: JobActionActor, id: string) =>
  act(deps, actor, id, cancelJob);
export const pauseFineTuningJob = (deps: ActionDeps, actor: JobActionActor, id: string) =>
  act(deps, actor, id, pauseJob);
export const resumeFineTuningJob = (deps: ActionDeps, actor: JobActionActor, id: string) =>
  act(deps, actor, id, resumeJob);

export { OpenAiError };
