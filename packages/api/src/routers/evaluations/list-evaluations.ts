import { listEvaluations } from "../../evaluations/list-evaluations";
import { teamProcedure } from "../../trpc";
import { listEvaluationsInput, listEvaluationsMeta, listEvaluationsOutput } from "./evaluation-reads.types";

export const listEvaluationsRoute = teamProcedure
  .meta(listEvaluationsMeta)
  .input(listEvaluationsInput)
  .output(listEvaluationsOutput)
  .query(({ ctx, input }) => listEvaluations(ctx.prisma, ctx.team.id, input));
