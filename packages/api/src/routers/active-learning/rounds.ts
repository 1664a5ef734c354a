import { z } from "zod";
import { ALL_STRATEGIES } from "@whetstone/queue";
import { cancelWork } from "../../runner-work/cancel-work";
import { createSimulation } from "../../active-learning/create-simulation";
import { getProjectView } from "../../active-learning/project-view";
import { startRound } from "../../active-learning/start-round";
import { teamWriteProcedure } from "../../trpc";
import { alMeta, projectIdInput, projectOutput } from "./active-learning.types";

export const startRoundRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects/{projectId}/rounds",
      "Pick the next batch: a runner scores the pool with the newest model",
      "The strategy defaults to the project's (k-centre diversity for a first batch with nothing labelled). Refused while a batch is still open or a round is still scoring.",
    ),
  )
  .input(
    projectIdInput.extend({
      strategy: z.enum(ALL_STRATEGIES).optional(),
      batchSize: z.number().int().min(1).max(1000).optional(),
    }),
  )
  .output(projectOutput)
  .mutation(async ({ ctx, input }) => {
    await startRound(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input);
    return getProjectView(ctx.prisma, ctx.team.id, input.projectId);
  });

export const cancelRoundRoute = teamWriteProcedure
  .meta(alMeta("POST", "/active-learning/rounds/{roundId}/cancel", "Cancel a round's scoring"))
  .input(z.object({ roundId: z.string().min(1) }))
  .output(z.object({ id: z.string(), immediate: z.boolean() }))
  .mutation(({ ctx, input }) => cancelWork(ctx.deps, { teamId: ctx.team.id }, "score", input.roundId));

export const createSimulationRoute = teamWriteProcedure
  .meta(
    alMeta(
      "POST",
      "/active-learning/projects/{projectId}/simulations",
      "Simulate the loop on a labelled dataset: does active learning beat random sampling here?",
      "Hides the labels of a labelled classification dataset and replays the loop for the strategies and random sampling over several seeds; the report draws both curves with their spread.",
    ),
  )
  .input(
    projectIdInput.extend({
      datasetVersionId: z.string().min(1),
      strategies: z.array(z.enum(ALL_STRATEGIES)).min(1).max(6).optional(),
      settings: z
        .object({
          initialSize: z.number().int().optional(),
          batchSize: z.number().int().optional(),
          rounds: z.number().int().optional(),
          seeds: z.number().int().optional(),
          heldOutFraction: z.number().optional(),
          maxSeqLength: z.number().int().optional(),
          seed: z.number().int().optional(),
        })
        .optional(),
    }),
  )
  .output(projectOutput)
  .mutation(async ({ ctx, input }) => {
    await createSimulation(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input);
    return getProjectView(ctx.prisma, ctx.team.id, input.projectId);
  });

export const cancelSimulationRoute = teamWriteProcedure
  .meta(alMeta("POST", "/active-learning/simulations/{simulationId}/cancel", "Cancel a simulation"))
  .input(z.object({ simulationId: z.string().min(1) }))
  .output(z.object({ id: z.string(), immediate: z.boolean() }))
  .mutation(({ ctx, input }) => cancelWork(ctx.deps, { teamId: ctx.team.id }, "simulate", input.simulationId));
