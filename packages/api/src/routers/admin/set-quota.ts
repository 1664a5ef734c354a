import { setQuota } from "../../admin/quotas";
import { adminProcedure } from "../../trpc";
import { setQuotaInput, setQuotaMeta, setQuotaOutput } from "./admin.types";

export const setQuotaRoute = adminProcedure
  .meta(setQuotaMeta)
  .input(setQuotaInput)
  .output(setQuotaOutput)
  .mutation(({ ctx, input }) =>
    setQuota(ctx.deps, ctx.caller.userId, input.teamId, {
      maxConcurrentGpus: input.maxConcurrentGpus,
      monthlyGpuHours: input.monthlyGpuHours,
    }),
  );
