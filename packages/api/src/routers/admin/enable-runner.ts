import { controlRunner } from "../../admin/runners";
import { adminProcedure } from "../../trpc";
import { enableRunnerMeta, runnerControlOutput, runnerNameInput } from "./admin.types";

export const enableRunnerRoute = adminProcedure
  .meta(enableRunnerMeta)
  .input(runnerNameInput)
  .output(runnerControlOutput)
  .mutation(({ ctx, input }) => controlRunner(ctx.deps, ctx.caller.userId, input.name, "enable"));
