import { getJobMetrics } from "../../jobs/get-job-metrics";
import { teamProcedure } from "../../trpc";
import { getJobMetricsInput, getJobMetricsMeta, getJobMetricsOutput } from "./job-reads.types";

export const getJobMetricsRoute = teamProcedure
  .meta(getJobMetricsMeta)
  .input(getJobMetricsInput)
  .output(getJobMetricsOutput)
  .query(({ ctx, input }) => getJobMetrics(ctx.prisma, ctx.team.id, input));
