import { controlRunner } from "../../admin/runners";
import { adminProcedure } from "../../trpc";
import { drainRunnerMeta, runnerControlOutput, runnerNameInput } from "./admin.types";

export const drainRunnerRoute = adminProcedure
  .meta(drainRunnerMeta)
  .input(runnerNameInput)
  .output(runnerControlOutput)
  .mutation(({ ctx, input }) => controlRunner(ctx.deps, ctx.caller.userId, input.name, "drain"));
