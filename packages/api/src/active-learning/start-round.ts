/**
 * Starts the next round: a `score` job on a runner ranks the pool with the newest model (the base until a round has
 * trained) and picks the next batch. Refused while a round is still scoring or its batch is still open, or when every
 * pool row has been picked. With nothing labelled and nothing trained, the first batch is picked for diversity
 * (`kcenter` on the base model's embeddings) unless the caller names a strategy.
 */
import { SELECTION_STRATEGIES } from "@whetstone/queue";
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";
import { findProject, latestRound, newestTrainedModelId, openItemCount } from "./project-state";
import { enqueueWorkOrFail } from "../runner-work/enqueue-work";
import { MAX_BATCH_SIZE } from "./create-project";

export interface StartRoundInput {
  projectId: string;
  strategy?: string;
  batchSize?: number;
}

export async function startRound(
  deps: Pick<ApiDeps, "prisma" | "trainingQueue">,
  actor: { teamId: string; userId: string },
  input: StartRoundInput,
): Promise<{ id: string }> {
  const { prisma } = deps;
  const project = await findProject(prisma, actor.teamId, input.projectId);
  const last = await latestRound(prisma, project.id);
  if (last && (last.state === "queued" || last.state === "running")) {
    throw new AppError("CONFLICT", `round ${last.number} is still picking its batch; wait for it or cancel it`, {
      state: last.state,
    });
  }
  const open = await openItemCount(prisma, project.id);
  if (open > 0) {
    throw new AppError(
      "CONFLICT",
      `${open} picked row${open === 1 ? " is" : "s are"} still waiting for a label; label, skip or resolve them before picking more`,
      { open },
    );
  }
  const picked = await prisma.activeLearningItem.count({ where: { projectId: project.id } });
  const pool = await prisma.datasetVersion.findUniqueOrThrow({
    where: { id: project.poolVersionId },
    select: { rowCount: true },
  });
  if (picked >= pool.rowCount) {
    throw new AppError(
      "CONFLICT",
      `every one of the pool's ${pool.rowCount} rows has been picked; upload a larger pool`,
    );
  }

  const allowed: readonly string[] = SELECTION_STRATEGIES[project.task];
  const trained = await newestTrainedModelId(prisma, project.id);
  const nothingYet = trained === null && project.seedVersionId === null && picked === 0;
  const strategy = input.strategy ?? (nothingYet ? "kcenter" : project.strategy);
  if (!allowed.includes(strategy)) {
    throw new AppError(
      "BAD_REQUEST",
      `strategy "${strategy}" does not apply to ${project.task}; one of: ${allowed.join(", ")}`,
      {
        field: "strategy",
      },
    );
  }
  const batchSize = input.batchSize ?? project.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new AppError(
      "BAD_REQUEST",
      `the batch size is a whole number from 1 to ${MAX_BATCH_SIZE}; got ${batchSize}`,
      {
        field: "batchSize",
      },
    );
  }

  let round: { id: string };
  try {
    round = await prisma.activeLearningRound.create({
      data: {
        projectId: project.id,
        number: (last?.number ?? 0) + 1,
        scoringModelId: trained ?? project.baseModelId,
        strategy,
        batchSize,
        state: "queued",
        createdById: actor.userId,
      },
      select: { id: true },
    });
  } catch (e) {
    if ((e as { code?: unknown }).code === "P2002") {
      throw new AppError("CONFLICT", "another round was started at the same moment; reload the project");
    }
    throw e;
  }
  const enqueued = await enqueueWorkOrFail(deps, "score", round.id);
  if (enqueued.outcome === "failed") throw new AppError("BAD_REQUEST", enqueued.reason!);
  return round;
}
