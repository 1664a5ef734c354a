import { z } from "zod";
import { createProject } from "../../active-learning/create-project";
import { deleteProject } from "../../active-learning/delete-project";
import { getProjectView, listProjects } from "../../active-learning/project-view";
import { retrain } from "../../active-learning/retrain";
import { teamProcedure, teamWriteProcedure } from "../../trpc";
import { alMeta, createProjectInput, projectIdInput, projectListOutput, projectOutput } from "./active-learning.types";

export const createProjectRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects",
      "Create an active-learning project",
      "An unlabelled pool (format `text`), a fixed held-out labelled set that never enters training or selection, optionally a labelled seed, the base model, the label set (classification) and the selection strategy.",
    ),
  )
  .input(createProjectInput)
  .output(projectOutput)
  .mutation(async ({ ctx, input }) => {
    const p = await createProject(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input);
    return getProjectView(ctx.prisma, ctx.team.id, p.id);
  });

export const listProjectsRoute = teamProcedure
  .meta(alMeta("GET", "/active-learning/projects", "Active-learning projects of the team, newest first"))
  .input(z.object({}).optional())
  .output(projectListOutput)
  .query(async ({ ctx }) => ({ items: await listProjects(ctx.prisma, ctx.team.id) }));

export const getProjectRoute = teamProcedure
  .meta(
    alMeta(
      "GET",
      "/active-learning/projects/{projectId}",
      "A project: its rounds, label counts, curve and newest simulation",
    ),
  )
  .input(projectIdInput)
  .output(projectOutput)
  .query(({ ctx, input }) => getProjectView(ctx.prisma, ctx.team.id, input.projectId));

export const deleteProjectRoute = teamWriteProcedure
  .meta(alMeta("DELETE", "/active-learning/projects/{projectId}", "Delete a project (its datasets stay)"))
  .input(projectIdInput)
  .output(z.object({ id: z.string() }))
  .mutation(({ ctx, input }) =>
    deleteProject(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.projectId),
  );

export const retrainRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects/{projectId}/retrain",
      "Fine-tune on every label so far (a new dataset version) and evaluate on the held-out set",
      "From the previous round's model (transfer learning) or from the base (`trainFrom`). Refused while a round is scoring or training, or when no label is new since the last training.",
    ),
  )
  .input(projectIdInput.extend({ trainFrom: z.enum(["previous", "base"]).optional() }))
  .output(
    z.object({
      roundId: z.string(),
      roundNumber: z.number().int(),
      jobId: z.string(),
      labelCount: z.number().int(),
      datasetVersionId: z.string().nullable(),
    }),
  )
  .mutation(({ ctx, input }) => retrain(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input));
