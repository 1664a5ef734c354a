/**
 * What the project page and the API show of a project: its settings, where each round stands (scoring, labelling,
 * training, evaluation), the label counts, the curve — the held-out metric against the number of labels, one point
 * per evaluated round, starting from the base — and the newest simulation's curves.
 */
import type { PrismaClient } from "@whetstone/db";
import { evaluationSummarySchema } from "../evaluations/evaluation-report";
import { notFound } from "../errors";
import { readProjectLabels } from "./project-labels";

const versionSelect = {
  id: true,
  version: true,
  rowCount: true,
  format: true,
  dataset: { select: { id: true, name: true } },
} as const;

const versionView = (v: {
  id: string;
  version: number;
  rowCount: number;
  format: string;
  dataset: { id: string; name: string };
}) => ({
  id: v.id,
  datasetId: v.dataset.id,
  name: v.dataset.name,
  version: v.version,
  rows: v.rowCount,
  format: v.format,
});

/** The headline metric of one model in an evaluation summary: the task's primary metric (accuracy, ROUGE-L…). */
export function metricOf(summary: unknown, label: string): { metric: string; value: number } | null {
  const parsed = evaluationSummarySchema.safeParse(summary);
  if (!parsed.success) return null;
  const task = parsed.data.tasks[0];
  const value = task?.models[label]?.scores[task.primaryMetric];
  return task && typeof value === "number" ? { metric: task.primaryMetric, value } : null;
}

export async function getProjectView(prisma: PrismaClient, teamId: string, id: string) {
  const p = await prisma.activeLearningProject.findFirst({
    where: { id, teamId },
    include: {
      baseModel: { select: { id: true, name: true } },
      pool: { select: versionSelect },
      heldOut: { select: versionSelect },
      seed: { select: versionSelect },
      rounds: {
        orderBy: { number: "asc" },
        include: {
          scoringModel: { select: { id: true, name: true } },
          trainJob: {
            select: {
              id: true,
              name: true,
              state: true,
              error: true,
              producedModel: { select: { id: true, name: true } },
            },
          },
          evaluation: {
            select: {
              id: true,
              state: true,
              error: true,
              summary: true,
              models: { select: { label: true, position: true } },
            },
          },
        },
      },
      simulations: { orderBy: { createdAt: "desc" }, take: 1 },
    },
  });
  if (!p) throw notFound(`active-learning project "${id}"`);

  const grouped = await prisma.activeLearningItem.groupBy({
    by: ["roundId", "status"],
    where: { projectId: p.id },
    _count: true,
  });
  const counts = { picked: 0, pending: 0, assigned: 0, labelled: 0, skipped: 0, conflict: 0 };
  const perRound = new Map<string, { picked: number; labelled: number }>();
  for (const g of grouped) {
    counts.picked += g._count;
    counts[g.status] += g._count;
    const r = perRound.get(g.roundId) ?? { picked: 0, labelled: 0 };
    r.picked += g._count;
    if (g.status === "labelled") r.labelled += g._count;
    perRound.set(g.roundId, r);
  }

  let metric: string | null = null;
  let base: number | null = null;
  const points: { round: number; labels: number; value: number }[] = [];
  const rounds = p.rounds.map((r) => {
    let evaluation = null;
    if (r.evaluation) {
      const models = r.evaluation.models.slice().sort((a, b) => a.position - b.position);
      const own =
        r.evaluation.state === "succeeded" ? metricOf(r.evaluation.summary, models[models.length - 1]!.label) : null;
      if (own && r.labelCount !== null) {
        metric = own.metric;
        points.push({ round: r.number, labels: r.labelCount, value: own.value });
      }
      if (models.length > 1 && r.evaluation.state === "succeeded")
        base = metricOf(r.evaluation.summary, models[0]!.label)?.value ?? base;
      evaluation = {
        id: r.evaluation.id,
        state: r.evaluation.state,
        error: r.evaluation.error,
        metric: own?.metric ?? null,
        value: own?.value ?? null,
      };
    }
    const c = perRound.get(r.id) ?? { picked: 0, labelled: 0 };
    return {
      id: r.id,
      number: r.number,
      strategy: r.strategy,
      batchSize: r.batchSize,
      state: r.state,
      error: r.error,
      progressDone: r.progressDone,
      progressTotal: r.progressTotal,
      scoringModel: r.scoringModel,
      picked: c.picked,
      labelled: c.labelled,
      labelCount: r.labelCount,
      trainJob: r.trainJob
        ? { id: r.trainJob.id, name: r.trainJob.name, state: r.trainJob.state, error: r.trainJob.error }
        : null,
      model: r.trainJob?.producedModel ?? null,
      evaluation,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
    };
  });

  const sim = p.simulations[0] ?? null;
  const last = rounds[rounds.length - 1];
  const open = counts.pending + counts.assigned + counts.conflict;
  const training = last?.trainJob && !["succeeded", "failed", "cancelled"].includes(last.trainJob.state);
  const next: "start_round" | "label" | "retrain" | "wait_for_scoring" | "wait_for_training" =
    last && (last.state === "queued" || last.state === "running")
      ? "wait_for_scoring"
      : training
        ? "wait_for_training"
        : open > 0
          ? "label"
          : last && !last.trainJob && last.labelled > 0
            ? "retrain"
            : !last && p.seed
              ? "retrain"
              : "start_round";

  return {
    id: p.id,
    name: p.name,
    task: p.task,
    labels: readProjectLabels(p.labels),
    strategy: p.strategy,
    batchSize: p.batchSize,
    trainFrom: p.trainFrom as "previous" | "base",
    maxCandidates: p.maxCandidates,
    hyperparameters: p.hyperparameters as Record<string, unknown>,
    baseModel: p.baseModel,
    pool: versionView(p.pool),
    heldOut: versionView(p.heldOut),
    seed: p.seed ? versionView(p.seed) : null,
    labelsDatasetId: p.labelsDatasetId,
    counts,
    rounds,
    curve: { metric, base, points },
    simulation: sim
      ? {
          id: sim.id,
          state: sim.state,
          error: sim.error,
          strategies: sim.strategies,
          settings: sim.settings as Record<string, unknown>,
          progressDone: sim.progressDone,
          progressTotal: sim.progressTotal,
          report: sim.report as unknown,
          createdAt: sim.createdAt,
          finishedAt: sim.finishedAt,
        }
      : null,
    next,
    createdAt: p.createdAt,
  };
}
export type ProjectView = Awaited<ReturnType<typeof getProjectView>>;

export async function listProjects(prisma: PrismaClient, teamId: string) {
  const rows = await prisma.activeLearningProject.findMany({
    where: { teamId },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: {
      id: true,
      name: true,
      task: true,
      strategy: true,
      createdAt: true,
      baseModel: { select: { id: true, name: true } },
      _count: { select: { rounds: true, items: true } },
    },
  });
  const labelled = await prisma.activeLearningItem.groupBy({
    by: ["projectId"],
    where: { projectId: { in: rows.map((r) => r.id) }, status: "labelled" },
    _count: true,
  });
  const byProject = new Map(labelled.map((l) => [l.projectId, l._count]));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    task: r.task,
    strategy: r.strategy,
    baseModel: r.baseModel,
    rounds: r._count.rounds,
    picked: r._count.items,
    labelled: byProject.get(r.id) ?? 0,
    createdAt: r.createdAt,
  }));
}
