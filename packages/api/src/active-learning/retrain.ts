/**
 * Retrains on every label so far: the labelled rows become a new immutable version of the project's labels dataset
 * (round N), and one training job learns from it (with the seed, when there is one) — from the previous round's
 * model (transfer learning) or from the base, as the project says. When the job succeeds, the runner-event handler
 * evaluates its model on the project's FIXED held-out set (round-evaluation.ts): the curve's next point.
 *
 * Refused with the state that stops it: a round still picking or training, no new label since the last training,
 * nothing labelled at all. If the job cannot be created (quota, no runner fits), the version made for it is removed:
 * nothing is left half-done.
 */
import { Readable } from "node:stream";
import {
  DEFAULT_HYPERPARAMETERS,
  isTerminal,
  jobSpecSchema,
  type DatasetReadiness,
  type JobState,
} from "@whetstone/core";
import { ingestDataset } from "../datasets/ingest-dataset";
import { AppError } from "../errors";
import { createJob } from "../jobs/create-job";
import type { ApiDeps } from "../trpc";
import { techniqueOf } from "./create-project";
import { labelNames } from "./project-labels";
import { findProject, latestRound, newestTrainedModelId } from "./project-state";

type Deps = Pick<ApiDeps, "prisma" | "trainingQueue" | "storage" | "config">;

export interface RetrainInput {
  projectId: string;
  /** Overrides the project's setting for this round. */
  trainFrom?: "previous" | "base";
}

export async function retrain(deps: Deps, actor: { teamId: string; userId: string }, input: RetrainInput) {
  const { prisma } = deps;
  const project = await findProject(prisma, actor.teamId, input.projectId);
  const last = await latestRound(prisma, project.id);
  if (last && (last.state === "queued" || last.state === "running")) {
    throw new AppError("CONFLICT", `round ${last.number} is still picking its batch`, { state: last.state });
  }
  if (last?.trainJob && !isTerminal(last.trainJob.state as JobState)) {
    throw new AppError(
      "CONFLICT",
      `round ${last.number} is still training (job ${last.trainJob.id} is ${last.trainJob.state})`,
      {
        jobId: last.trainJob.id,
      },
    );
  }

  const items = await prisma.activeLearningItem.findMany({
    where: { projectId: project.id, status: "labelled", value: { not: null } },
    orderBy: [{ roundId: "asc" }, { rank: "asc" }],
    select: { text: true, value: true },
  });
  const seed = project.seedVersionId
    ? await prisma.datasetVersion.findUniqueOrThrow({
        where: { id: project.seedVersionId },
        select: { id: true, rowCount: true },
      })
    : null;
  const labelCount = items.length + (seed?.rowCount ?? 0);
  if (labelCount === 0) {
    throw new AppError("PRECONDITION_FAILED", "nothing is labelled yet: pick a batch and label it first");
  }
  const previous = await prisma.activeLearningRound.findFirst({
    where: { projectId: project.id, trainJob: { state: "succeeded" } },
    orderBy: { number: "desc" },
    select: { number: true, labelCount: true },
  });
  if (previous && previous.labelCount === labelCount) {
    throw new AppError(
      "PRECONDITION_FAILED",
      `no new labels since round ${previous.number} was trained on ${labelCount}; label the next batch first`,
      { labelCount },
    );
  }
  if (last?.trainJob?.state === "succeeded") {
    throw new AppError(
      "PRECONDITION_FAILED",
      `round ${last.number} is trained; start the next round to pick more rows`,
    );
  }

  // The round the training belongs to: the latest, or round 0 for a seed-only start.
  const round =
    last ??
    (await prisma.activeLearningRound.create({
      data: {
        projectId: project.id,
        number: 0,
        scoringModelId: project.baseModelId,
        strategy: "seed",
        batchSize: 0,
        state: "succeeded",
        finishedAt: new Date(),
        createdById: actor.userId,
      },
    }));

  // ── the labelled rows as a new dataset version
  let version: { id: string; datasetId: string; rowCount: number } | null = null;
  if (items.length > 0) {
    const lines = items.map((i) =>
      JSON.stringify(
        project.task === "classification" ? { text: i.text, label: i.value } : { prompt: i.text, completion: i.value },
      ),
    );
    const labelsDataset = project.labelsDatasetId
      ? await prisma.dataset.findUnique({ where: { id: project.labelsDatasetId }, select: { name: true } })
      : null;
    const v = await ingestDataset(deps, {
      teamId: actor.teamId,
      userId: actor.userId,
      datasetName: labelsDataset?.name ?? `${project.name} · labels`,
      description: `Rows labelled in the active-learning project "${project.name}", one version per round.`,
      filename: `round-${round.number}.jsonl`,
      body: Readable.from(lines.map((l) => l + "\n")),
      declaredFormat: project.task === "classification" ? "classification" : "prompt_completion",
    });
    version = { id: v.id, datasetId: v.datasetId, rowCount: v.rowCount };
  }

  try {
    const total = labelCount;
    const datasets = [
      ...(seed ? [{ datasetVersionId: seed.id, weight: seed.rowCount / total }] : []),
      ...(version ? [{ datasetVersionId: version.id, weight: version.rowCount / total }] : []),
    ];
    const trainFrom = input.trainFrom ?? project.trainFrom;
    const from =
      trainFrom === "previous"
        ? ((await newestTrainedModelId(prisma, project.id)) ?? project.baseModelId)
        : project.baseModelId;
    const readinessOverride = await roundReadiness(
      prisma,
      round.number,
      datasets.map((d) => d.datasetVersionId),
    );
    const spec = jobSpecSchema.parse({
      name: `${project.name} · round ${round.number}`,
      baseModelId: from,
      technique: techniqueOf(project.task),
      method: "lora",
      datasets,
      // The held-out set is the project's own: the job carves no test split of its own.
      hyperparameters: { ...DEFAULT_HYPERPARAMETERS, ...(project.hyperparameters as object), testSplit: 0 },
      ...(project.task === "classification" ? { labels: labelNames(project.labels) } : {}),
      ...(readinessOverride ? { readinessOverride } : {}),
    });
    const job = await createJob(deps, actor, spec);
    await prisma.activeLearningRound.update({
      where: { id: round.id },
      data: { trainJobId: job.id, labelledVersionId: version?.id ?? null, labelCount },
    });
    if (version && !project.labelsDatasetId) {
      await prisma.activeLearningProject.update({
        where: { id: project.id },
        data: { labelsDatasetId: version.datasetId },
      });
    }
    return {
      roundId: round.id,
      roundNumber: round.number,
      jobId: job.id,
      labelCount,
      datasetVersionId: version?.id ?? null,
    };
  } catch (e) {
    if (version) await removeVersion(deps, version.id);
    throw e;
  }
}

/**
 * A round trains on few rows by design: the readiness check "too few examples" would block it, and an active-learning
 * round is exactly the case it does not apply to — the held-out curve shows what the labels buy. That blocker alone is
 * overridden, with the reason in the audit log; any other blocker (personal data in the labelled rows, conflicting
 * labels) refuses the round like any job, naming it.
 */
async function roundReadiness(prisma: Deps["prisma"], round: number, versionIds: string[]) {
  const versions = await prisma.datasetVersion.findMany({
    where: { id: { in: versionIds } },
    select: { version: true, readiness: true, dataset: { select: { name: true } } },
  });
  let fewOnly = false;
  for (const v of versions) {
    const r = v.readiness as unknown as DatasetReadiness | null;
    if (r?.verdict !== "blocked") continue;
    const others = r.checks.filter((c) => c.severity === "blocker" && c.id !== "too_few_examples");
    if (others.length > 0) {
      throw new AppError(
        "PRECONDITION_FAILED",
        `the labelled rows are blocked by their readiness checks — ${v.dataset.name} v${v.version}: ${others.map((c) => c.summary).join(" ")} Fix the labels (or the pool) and retrain.`,
        { kind: "readiness_blocked", checks: others.map((c) => c.id) },
      );
    }
    fewOnly = true;
  }
  return fewOnly
    ? {
        reason: `active-learning round ${round}: trained on the rows labelled so far, few by design (the held-out curve measures them)`,
      }
    : null;
}

/** Removes a version made for a job that was then refused (no job points to it). */
async function removeVersion(deps: Deps, id: string) {
  const v = await deps.prisma.datasetVersion.findUnique({ where: { id }, select: { blobKey: true, datasetId: true } });
  if (!v) return;
  await deps.prisma.datasetVersion.delete({ where: { id } });
  if ((await deps.prisma.datasetVersion.count({ where: { datasetId: v.datasetId } })) === 0) {
    await deps.prisma.dataset.delete({ where: { id: v.datasetId } }).catch(() => undefined);
  }
  await deps.storage.delete(v.blobKey.replace(/[^/]+$/, "")).catch(() => undefined);
}
