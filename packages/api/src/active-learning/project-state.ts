/** Reads shared by the loop's actions: the project in the caller's team, its latest round, its newest trained model. */
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";

type Prisma = ApiDeps["prisma"];

export async function findProject(prisma: Prisma, teamId: string, projectId: string) {
  const project = await prisma.activeLearningProject.findFirst({ where: { id: projectId, teamId } });
  if (!project) throw new AppError("NOT_FOUND", `active-learning project "${projectId}" not found`);
  return project;
}

export const latestRound = (prisma: Prisma, projectId: string) =>
  prisma.activeLearningRound.findFirst({
    where: { projectId },
    orderBy: { number: "desc" },
    include: { trainJob: { select: { id: true, state: true, producedModel: { select: { id: true } } } } },
  });

/** The model of the newest round whose training succeeded (null: none yet; the project's base scores). */
export async function newestTrainedModelId(prisma: Prisma, projectId: string): Promise<string | null> {
  const round = await prisma.activeLearningRound.findFirst({
    where: { projectId, trainJob: { state: "succeeded", producedModel: { isNot: null } } },
    orderBy: { number: "desc" },
    select: { trainJob: { select: { producedModel: { select: { id: true } } } } },
  });
  return round?.trainJob?.producedModel?.id ?? null;
}

/** Items still waiting for a label (pending, handed out, or in conflict). */
export const openItemCount = (prisma: Prisma, projectId: string) =>
  prisma.activeLearningItem.count({ where: { projectId, status: { in: ["pending", "assigned", "conflict"] } } });
