import { getEvaluation } from "../../evaluations/get-evaluation";
import { teamProcedure } from "../../trpc";
import { getEvaluationInput, getEvaluationMeta, getEvaluationOutput } from "./evaluation-reads.types";

export const getEvaluationRoute = teamProcedure
  .meta(getEvaluationMeta)
  .input(getEvaluationInput)
  .output(getEvaluationOutput)
  .query(({ ctx, input }) => getEvaluation(ctx.deps, ctx.team.id, input.id));
