/**
 * "Would active learning pay off on my data?" before anyone labels: a `simulate` job replays the loop on a fully
 * labelled classification dataset of the team (labels hidden, revealed as an oracle would), for the chosen strategies
 * and random sampling, over several seeds. Only classification projects: the simulated learner is a label classifier.
 */
import { SELECTION_STRATEGIES, TECHNIQUE_FORMATS } from "@whetstone/queue";
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";
import { labelNames } from "./project-labels";
import { findProject } from "./project-state";
import { simulationSettingsSchema } from "./simulation-settings";
import { enqueueWorkOrFail } from "../runner-work/enqueue-work";

export interface CreateSimulationInput {
  projectId: string;
  datasetVersionId: string;
  strategies?: string[];
  settings?: Record<string, unknown>;
}

export async function createSimulation(
  deps: Pick<ApiDeps, "prisma" | "trainingQueue">,
  actor: { teamId: string; userId: string },
  input: CreateSimulationInput,
): Promise<{ id: string }> {
  const { prisma } = deps;
  const project = await findProject(prisma, actor.teamId, input.projectId);
  if (project.task !== "classification") {
    throw new AppError("BAD_REQUEST", "simulation is for classification projects: its learner predicts labels", {
      field: "projectId",
    });
  }
  const v = await prisma.datasetVersion.findFirst({
    where: { id: input.datasetVersionId, dataset: { teamId: actor.teamId } },
    select: {
      id: true,
      format: true,
      version: true,
      rowCount: true,
      profile: true,
      dataset: { select: { name: true } },
    },
  });
  if (!v)
    throw new AppError("NOT_FOUND", `dataset version "${input.datasetVersionId}" not found in this team`, {
      field: "datasetVersionId",
    });
  const allowed: readonly string[] = TECHNIQUE_FORMATS.classification;
  if (!allowed.includes(v.format)) {
    throw new AppError(
      "BAD_REQUEST",
      `"${v.dataset.name}" v${v.version} is in format "${v.format}"; a simulation needs labelled rows (${allowed.join(", ")})`,
      { field: "datasetVersionId", format: v.format },
    );
  }
  const declared = new Set(labelNames(project.labels));
  const outside = Object.keys((v.profile as { labels?: Record<string, number> | null }).labels ?? {}).filter(
    (l) => !declared.has(l),
  );
  if (outside.length > 0) {
    throw new AppError(
      "BAD_REQUEST",
      `"${v.dataset.name}" v${v.version} has labels outside the project's set: ${outside.slice(0, 5).join(", ")}`,
      {
        field: "datasetVersionId",
      },
    );
  }
  const options: readonly string[] = SELECTION_STRATEGIES.classification;
  const strategies = [...new Set(input.strategies ?? [project.strategy === "random" ? "margin" : project.strategy])];
  strategies.forEach((s, i) => {
    if (!options.includes(s)) {
      throw new AppError(
        "BAD_REQUEST",
        `strategy "${s}" does not apply to classification; one of: ${options.join(", ")}`,
        {
          field: `strategies.${i}`,
        },
      );
    }
  });
  if (strategies.every((x) => x === "random")) {
    throw new AppError("BAD_REQUEST", "random is always simulated as the control; name a strategy to compare with it", {
      field: "strategies",
    });
  }
  const parsed = simulationSettingsSchema.safeParse({ batchSize: project.batchSize, ...input.settings });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError("BAD_REQUEST", `settings.${issue.path.join(".")}: ${issue.message}`, {
      field: `settings.${issue.path.join(".")}`,
    });
  }
  const s = parsed.data;
  const budget = s.initialSize + s.rounds * s.batchSize;
  const pool = Math.floor(v.rowCount * (1 - s.heldOutFraction));
  if (budget > pool) {
    throw new AppError(
      "BAD_REQUEST",
      `the simulation reveals up to ${budget} labels (initialSize ${s.initialSize} + ${s.rounds} rounds × ${s.batchSize}), more than the ${pool} rows left after holding out ${Math.round(s.heldOutFraction * 100)}%`,
      { field: "settings.rounds", budget, pool },
    );
  }
  const sim = await prisma.activeLearningSimulation.create({
    data: {
      projectId: project.id,
      datasetVersionId: v.id,
      strategies: strategies.filter((x) => x !== "random"),
      settings: s,
      state: "queued",
      createdById: actor.userId,
    },
    select: { id: true },
  });
  const enqueued = await enqueueWorkOrFail(deps, "simulate", sim.id);
  if (enqueued.outcome === "failed") throw new AppError("BAD_REQUEST", enqueued.reason!);
  return sim;
}
