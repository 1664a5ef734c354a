/**
 * Deletes a project: its rounds, picked rows, labels and simulations. Refused while a round is scoring or training or
 * a simulation runs (cancel it first). The datasets stay — the pool, the held-out set and the labels dataset with one
 * version per round are the team's data, not the project's.
 */
import { isTerminal, type JobState } from "@whetstone/core";
import { audit } from "../audit/audit";
import { AppError } from "../errors";
import type { ApiDeps } from "../trpc";
import { findProject } from "./project-state";

export async function deleteProject(
  deps: Pick<ApiDeps, "prisma">,
  actor: { teamId: string; userId: string },
  projectId: string,
) {
  const { prisma } = deps;
  const project = await findProject(prisma, actor.teamId, projectId);
  const rounds = await prisma.activeLearningRound.findMany({
    where: { projectId: project.id },
    select: { number: true, state: true, trainJob: { select: { id: true, state: true } } },
  });
  const busy = rounds.find(
    (r) => !isTerminal(r.state as JobState) || (r.trainJob && !isTerminal(r.trainJob.state as JobState)),
  );
  if (busy) {
    throw new AppError("PRECONDITION_FAILED", `round ${busy.number} is still scoring or training; cancel it first`);
  }
  const sim = await prisma.activeLearningSimulation.findFirst({
    where: { projectId: project.id, state: { in: ["queued", "running"] } },
    select: { id: true },
  });
  if (sim) throw new AppError("PRECONDITION_FAILED", `simulation ${sim.id} is still running; cancel it first`);
  await prisma.$transaction(async (tx) => {
    await tx.activeLearningProject.delete({ where: { id: project.id } });
    await audit(tx, {
      action: "active_learning.project_deleted",
      actorUserId: actor.userId,
      teamId: actor.teamId,
      targetType: "active_learning_project",
      targetId: project.id,
      details: { name: project.name },
    });
  });
  return { id: project.id };
}
