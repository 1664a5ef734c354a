import { createEvaluation } from "../../evaluations/create-evaluation";
import { getEvaluationView } from "../../evaluations/get-evaluation";
import { teamWriteProcedure } from "../../trpc";
import { createEvaluationInput, createEvaluationMeta, createEvaluationOutput } from "./create-evaluation.types";

export const createEvaluationRoute = teamWriteProcedure
  .meta(createEvaluationMeta)
  .input(createEvaluationInput)
  .output(createEvaluationOutput)
  .mutation(async ({ ctx, input }) => {
    const e = await createEvaluation(ctx.deps, { teamId: ctx.team.id, userId: ctx.caller.userId }, input);
    return getEvaluationView(ctx.prisma, ctx.team.id, e.id);
  });
