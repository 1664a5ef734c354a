/**
 * An active-learning project (decision 0008): an unlabelled pool (format `text`), a FIXED held-out labelled set that
 * never enters training or selection, optionally a labelled seed, the base model, the label set (classification) and
 * the selection strategy. Each bad input is refused with the field it concerns; nothing is written until all pass.
 */
import { hyperparametersSchema, TECHNIQUES } from "@whetstone/core";
import { DEFAULT_STRATEGY, SELECTION_STRATEGIES, TECHNIQUE_FORMATS, type ActiveLearningTask } from "@whetstone/queue";
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";
import type { ProjectLabel } from "./project-labels";

export const MAX_BATCH_SIZE = 1000;

export interface CreateProjectInput {
  name: string;
  task: ActiveLearningTask;
  /** Classification: the label set (2 or more, in the order they are shown and keyed 1…9). */
  labels?: ProjectLabel[];
  baseModelId: string;
  poolVersionId: string;
  heldOutVersionId: string;
  seedVersionId?: string;
  strategy?: string;
  batchSize?: number;
  trainFrom?: "previous" | "base";
  hyperparameters?: Record<string, unknown>;
  maxCandidates?: number | null;
}

const bad = (field: string, message: string, details: Record<string, unknown> = {}) =>
  new AppError("BAD_REQUEST", message, { field, ...details });

/** The technique a project's rounds train with. */
export const techniqueOf = (task: ActiveLearningTask) => (task === "classification" ? "classification" : "sft");

export async function createProject(
  deps: Pick<ApiDeps, "prisma">,
  actor: { teamId: string; userId: string },
  input: CreateProjectInput,
): Promise<{ id: string }> {
  const { prisma } = deps;
  const name = input.name.trim();
  if (!name) throw bad("name", "a project name is required");
  const technique = techniqueOf(input.task);
  if (!TECHNIQUES.includes(technique)) throw bad("task", `unknown task "${input.task}"`);

  // ── labels
  const labels = input.task === "classification" ? (input.labels ?? []) : [];
  if (input.task === "classification") {
    if (labels.length < 2)
      throw bad("labels", `a classification project declares at least 2 labels; got ${labels.length}`);
    labels.forEach((l, i) => {
      const first = labels.findIndex((o) => o.name === l.name);
      if (first !== i) throw bad(`labels.${i}.name`, `label "${l.name}" is already declared (labels.${first})`);
    });
  } else if (input.labels?.length) {
    throw bad("labels", "labels are declared for classification projects only; an sft project labels with answers");
  }

  // ── strategy, batch, settings
  const strategies: readonly string[] = SELECTION_STRATEGIES[input.task];
  const strategy = input.strategy ?? DEFAULT_STRATEGY[input.task];
  if (!strategies.includes(strategy)) {
    throw bad("strategy", `strategy "${strategy}" does not apply to ${input.task}; one of: ${strategies.join(", ")}`);
  }
  const batchSize = input.batchSize ?? 20;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw bad("batchSize", `the batch size is a whole number from 1 to ${MAX_BATCH_SIZE}; got ${batchSize}`);
  }
  const hp = hyperparametersSchema.partial().safeParse(input.hyperparameters ?? {});
  if (!hp.success) {
    const issue = hp.error.issues[0]!;
    throw bad(`hyperparameters.${issue.path.join(".")}`, `hyperparameters.${issue.path.join(".")}: ${issue.message}`);
  }

  // ── base model
  const base = await prisma.baseModel.findFirst({
    where: { id: input.baseModelId, OR: [{ teamId: actor.teamId }, { teamId: null }] },
    select: { id: true, name: true, sourceJob: { select: { technique: true } } },
  });
  if (!base)
    throw new AppError("NOT_FOUND", `model "${input.baseModelId}" not found in this team`, { field: "baseModelId" });
  if (base.sourceJob?.technique === "classification" && input.task !== "classification") {
    throw bad(
      "baseModelId",
      `model "${base.name}" was trained as a classifier; an sft project needs a generative model`,
    );
  }

  // ── datasets of the team: pool (text), held-out and seed (labelled, in the technique's formats)
  const ids = [input.poolVersionId, input.heldOutVersionId, ...(input.seedVersionId ? [input.seedVersionId] : [])];
  const versions = await prisma.datasetVersion.findMany({
    where: { id: { in: ids }, dataset: { teamId: actor.teamId } },
    select: {
      id: true,
      format: true,
      version: true,
      rowCount: true,
      profile: true,
      dataset: { select: { name: true } },
    },
  });
  const find = (id: string, field: string) => {
    const v = versions.find((x) => x.id === id);
    if (!v) throw new AppError("NOT_FOUND", `dataset version "${id}" not found in this team`, { field });
    return v;
  };
  const pool = find(input.poolVersionId, "poolVersionId");
  if (pool.format !== "text") {
    throw bad(
      "poolVersionId",
      `the pool "${pool.dataset.name}" v${pool.version} is in format "${pool.format}"; a pool is unlabelled rows in format "text" ({"text": …} per row: the text to label${input.task === "sft" ? ", here the prompt to answer" : ""})`,
      { format: pool.format, allowed: ["text"] },
    );
  }
  const labelled: readonly string[] = TECHNIQUE_FORMATS[technique];
  const declared = new Set(labels.map((l) => l.name));
  const checkLabelled = (id: string, field: string, what: string) => {
    const v = find(id, field);
    if (!labelled.includes(v.format)) {
      throw bad(
        field,
        `the ${what} "${v.dataset.name}" v${v.version} is in format "${v.format}"; a ${input.task} project needs one of: ${labelled.join(", ")}`,
        { format: v.format, allowed: labelled },
      );
    }
    const found = Object.keys((v.profile as { labels?: Record<string, number> | null } | null)?.labels ?? {});
    const outside = found.filter((l) => !declared.has(l));
    if (input.task === "classification" && outside.length > 0) {
      throw bad(
        field,
        `the ${what} "${v.dataset.name}" v${v.version} has label${outside.length > 1 ? "s" : ""} outside the declared set: ${outside.slice(0, 5).join(", ")}${outside.length > 5 ? "…" : ""}`,
        { outside: outside.slice(0, 20) },
      );
    }
    return v;
  };
  checkLabelled(input.heldOutVersionId, "heldOutVersionId", "held-out set");
  if (input.seedVersionId) {
    if (input.seedVersionId === input.heldOutVersionId) {
      throw bad("seedVersionId", "the seed cannot be the held-out set: the held-out set never enters training");
    }
    checkLabelled(input.seedVersionId, "seedVersionId", "seed");
  }
  const maxCandidates = input.maxCandidates ?? null;
  if (maxCandidates !== null && (!Number.isInteger(maxCandidates) || maxCandidates < batchSize)) {
    throw bad(
      "maxCandidates",
      `maxCandidates is a whole number of at least the batch size (${batchSize}); got ${maxCandidates}`,
    );
  }

  try {
    return await prisma.activeLearningProject.create({
      data: {
        teamId: actor.teamId,
        createdById: actor.userId,
        name,
        task: input.task,
        labels,
        baseModelId: base.id,
        strategy,
        batchSize,
        trainFrom: input.trainFrom ?? "previous",
        hyperparameters: hp.data,
        maxCandidates,
        poolVersionId: pool.id,
        heldOutVersionId: input.heldOutVersionId,
        seedVersionId: input.seedVersionId ?? null,
      },
      select: { id: true },
    });
  } catch (e) {
    if ((e as { code?: unknown }).code === "P2002") {
      throw new AppError("CONFLICT", `a project named "${name}" already exists in this team`, { field: "name" });
    }
    throw e;
  }
}
