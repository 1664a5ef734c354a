import { cancelEvaluation } from "../../evaluations/cancel-evaluation";
import { getEvaluationView } from "../../evaluations/get-evaluation";
import { teamWriteProcedure } from "../../trpc";
import { cancelEvaluationInput, cancelEvaluationMeta, cancelEvaluationOutput } from "./evaluation-reads.types";

export const cancelEvaluationRoute = teamWriteProcedure
  .meta(cancelEvaluationMeta)
  .input(cancelEvaluationInput)
  .output(cancelEvaluationOutput)
  .mutation(async ({ ctx, input }) => {
    await cancelEvaluation(ctx.deps, { teamId: ctx.team.id }, input.id);
    return getEvaluationView(ctx.prisma, ctx.team.id, input.id);
  });
