/**
 * /v1/models: the team's base models (its own and the instance's) and the models its succeeded jobs produced, named
 * as OpenAI names them. A base model's id is its name (its row id is accepted too); a fine-tuned model's id is
 * `ft:<base>:<team>:<suffix>:<job id>`. Resolution is always in the caller's team scope: another team's model is
 * answered as absent.
 */
import type { PrismaClient } from "@whetstone/db";
import type { BaseModelRef } from "@whetstone/queue";
import { buildBaseModelRef, MAX_LINEAGE_DEPTH } from "../jobs/base-model-ref";
import { OpenAiError } from "./errors";
import { checkpointModelName, fineTunedModelName, parseFineTunedModelName, unix } from "./ids";

export interface OpenAiTeam {
  id: string;
  slug: string;
}

export interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

type Prisma = PrismaClient;

/** The name of the model everything in `baseModelId`'s lineage was trained from (a fine-tune of a fine-tune names
 *  the original base, as OpenAI does). */
export async function rootBaseName(prisma: Prisma, baseModelId: string): Promise<string> {
  let id: string | null = baseModelId;
  let name = baseModelId;
  for (let depth = 0; id && depth < MAX_LINEAGE_DEPTH; depth++) {
    const m: { name: string; source: string; parentId: string | null } | null = await prisma.baseModel.findUnique({
      where: { id },
      select: { name: true, source: true, parentId: true },
    });
    if (!m) break;
    name = m.name;
    id = m.source === "artifact" ? m.parentId : null;
  }
  return name;
}

/** The OpenAI name of the model job `job` produces (whether or not it has finished). */
export async function fineTunedModelOf(
  prisma: Prisma,
  team: OpenAiTeam,
  job: { id: string; baseModelId: string; suffix: string | null },
): Promise<string> {
  return fineTunedModelName(await rootBaseName(prisma, job.baseModelId), team.slug, job.suffix, job.id);
}

export async function listModels(prisma: Prisma, team: OpenAiTeam): Promise<{ object: "list"; data: ModelObject[] }> {
  const rows = await prisma.baseModel.findMany({
    where: { OR: [{ teamId: team.id }, { teamId: null }] },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: {
      id: true,
      name: true,
      teamId: true,
      source: true,
      createdAt: true,
      sourceJob: { select: { id: true, baseModelId: true, suffix: true, teamId: true } },
    },
  });
  const data: ModelObject[] = [];
  const seen = new Set<string>();
  const checkpoints = await prisma.checkpoint.findMany({
    where: { job: { teamId: team.id } },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { step: true, createdAt: true, job: { select: { id: true, baseModelId: true, suffix: true } } },
  });
  for (const m of rows) {
    let id: string;
    if (m.sourceJob) {
      if (m.sourceJob.teamId !== team.id) continue;
      id = await fineTunedModelOf(prisma, team, m.sourceJob);
    } else {
      // The team's own model and an instance one may share a name: the second is listed by its row id.
      id = seen.has(m.name) ? m.id : m.name;
    }
    seen.add(id);
    data.push({ id, object: "model", created: unix(m.createdAt), owned_by: m.teamId ? team.slug : "whetstone" });
  }
  // Every checkpoint of the team's jobs is a model of its own too (`…:ckpt-step-N`), as on OpenAI.
  const names = new Map<string, string>(); // a job's model name, once per job
  for (const c of checkpoints) {
    const model = names.get(c.job.id) ?? (await fineTunedModelOf(prisma, team, c.job));
    names.set(c.job.id, model);
    const id = checkpointModelName(model, c.step);
    data.push({ id, object: "model", created: unix(c.createdAt), owned_by: team.slug });
  }
  return { object: "list", data };
}

export interface ResolvedModel {
  /** The BaseModel row the runners load. */
  id: string;
  name: string;
  /** The id the caller used (echoed in answers). */
  openAiId: string;
  source: string;
  contextLength: number | null;
  createdAt: Date;
  teamId: string | null;
  /** A checkpoint's model (`…:ckpt-step-N`): no BaseModel row; the runner loads the checkpoint folder. */
  checkpoint: CheckpointModel | null;
}

export interface CheckpointModel {
  jobId: string;
  step: number;
  technique: string;
  /** The model as a runner loads it: the checkpoint folder, an adapter on the job's base (or full weights). */
  ref: BaseModelRef;
}

/**
 * A model id as a caller writes it (`ft:…`, `ft:…:ckpt-step-N`, a base model's name, or a row id), in the team's
 * scope; null when there is none (another team's model or checkpoint included).
 */
export async function resolveModel(prisma: Prisma, team: OpenAiTeam, name: string): Promise<ResolvedModel | null> {
  const select = { id: true, name: true, source: true, contextLength: true, createdAt: true, teamId: true } as const;
  const ft = parseFineTunedModelName(name);
  if (ft && ft.step !== null) return resolveCheckpoint(prisma, team, name, ft.jobId, ft.step);
  if (ft) {
    const m = await prisma.baseModel.findFirst({
      where: { sourceJobId: ft.jobId, teamId: team.id },
      select: { ...select, sourceJob: { select: { id: true, baseModelId: true, suffix: true } } },
    });
    // The whole name must match: a stale or mistyped base/team/suffix is not this model.
    if (!m?.sourceJob || (await fineTunedModelOf(prisma, team, m.sourceJob)) !== name) return null;
    return { ...m, openAiId: name, checkpoint: null };
  }
  const rows = await prisma.baseModel.findMany({
    where: { OR: [{ id: name }, { name }], AND: [{ OR: [{ teamId: team.id }, { teamId: null }] }] },
    select,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  // The row id first, then the team's own model, then the instance's.
  const m =
    rows.find((r) => r.id === name) ?? rows.find((r) => r.teamId === team.id) ?? rows.find((r) => r.teamId === null);
  return m ? { ...m, openAiId: name, checkpoint: null } : null;
}

/**
 * The checkpoint `step` of job `jobId` in the team, when `name` is exactly its model name. Served as what the
 * checkpoint folder holds: a LoRA/QLoRA job's adapter at that step on the job's base model, a full fine-tune's weights.
 */
async function resolveCheckpoint(
  prisma: Prisma,
  team: OpenAiTeam,
  name: string,
  jobId: string,
  step: number,
): Promise<ResolvedModel | null> {
  const c = await prisma.checkpoint.findFirst({
    where: { step, job: { id: jobId, teamId: team.id } },
    select: {
      id: true,
      key: true,
      createdAt: true,
      job: { select: { id: true, baseModelId: true, suffix: true, method: true, technique: true } },
    },
  });
  if (!c || checkpointModelName(await fineTunedModelOf(prisma, team, c.job), step) !== name) return null;
  const base = await prisma.baseModel.findUniqueOrThrow({
    where: { id: c.job.baseModelId },
    select: { contextLength: true },
  });
  const parent = await buildBaseModelRef(
    prisma,
    c.job.baseModelId,
    (m) =>
      new OpenAiError(400, `${name} cannot be loaded: ${m}`, "invalid_request_error", "model", "model_not_available"),
  );
  const ref: BaseModelRef = {
    id: `ckpt_${c.id}`,
    name,
    source: "artifact",
    ref: c.key.endsWith("/") ? c.key : `${c.key}/`,
    revision: null,
    artifactKind: c.job.method === "full" ? "merged" : "adapter",
    parent,
  };
  return {
    id: ref.id,
    name,
    openAiId: name,
    source: "artifact",
    contextLength: base.contextLength,
    createdAt: c.createdAt,
    teamId: team.id,
    checkpoint: { jobId: c.job.id, step, technique: c.job.technique, ref },
  };
}

export async function retrieveModel(prisma: Prisma, team: OpenAiTeam, name: string): Promise<ModelObject> {
  const m = await resolveModel(prisma, team, name);
  if (!m) throw modelNotFound(name);
  return { id: name, object: "model", created: unix(m.createdAt), owned_by: m.teamId ? team.slug : "whetstone" };
}

export const modelNotFound = (name: string, param: string | null = "model") =>
  new OpenAiError(
    404,
    `The model \`${name}\` does not exist or you do not have access to it.`,
    "invalid_request_error",
    param,
    "model_not_found",
  );
