import { controlRunner } from "../../admin/runners";
import { adminProcedure } from "../../trpc";
import { disableRunnerMeta, runnerControlOutput, runnerNameInput } from "./admin.types";

export const disableRunnerRoute = adminProcedure
  .meta(disableRunnerMeta)
  .input(runnerNameInput)
  .output(runnerControlOutput)
  .mutation(({ ctx, input }) => controlRunner(ctx.deps, ctx.caller.userId, input.name, "disable"));
