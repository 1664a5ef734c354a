/** Picked rows of a project with every member's label (the conflicts view, the batch review, external tools). */
import type { ActiveLearningItemStatus, PrismaClient } from "@whetstone/db";
import { findProject } from "./project-state";
import { itemSelect } from "./label-item";

export async function listItems(
  prisma: PrismaClient,
  teamId: string,
  input: { projectId: string; status?: ActiveLearningItemStatus; limit: number },
) {
  const project = await findProject(prisma, teamId, input.projectId);
  return prisma.activeLearningItem.findMany({
    where: { projectId: project.id, ...(input.status ? { status: input.status } : {}) },
    orderBy: [{ roundId: "desc" }, { rank: "asc" }],
    take: input.limit,
    select: { ...itemSelect, text: true, prediction: true },
  });
}
