/** `jobs.estimate` (mounted in the jobs router): the estimator for the job form and the API. */
import { chooseParallelism } from "@whetstone/core";
import { estimateJobSpec } from "../../scheduling/estimate-job-spec";
import { teamWriteProcedure } from "../../trpc";
import { estimateJobInput, estimateJobMeta, estimateJobOutput } from "./estimate-job.types";

// Write access: estimating is the first step of creating a job, which viewers cannot do.
export const estimateJobRoute = teamWriteProcedure
  .meta(estimateJobMeta)
  .input(estimateJobInput)
  .output(estimateJobOutput)
  .mutation(async ({ ctx, input }) => {
    const r = await estimateJobSpec(ctx.prisma, ctx.team.id, input);
    const largest = r.largestRunner;
    const e = r.estimate;
    // Several GPUs: DDP, or FSDP when one GPU of the largest runner is too small; the memory is then per GPU.
    const plan = chooseParallelism(input.gpuCount, e, largest?.vramMb ?? null);
    const required = e ? plan.perGpuVramMb : r.requiredVramMb;
    return {
      estimated: e !== null,
      requiredVramMb: required,
      gpus: { count: input.gpuCount, parallelism: plan.parallelism, reason: plan.reason },
      vramBytes: e?.vramBytes ?? null,
      durationSeconds: e?.durationSeconds ?? null,
      gpuHours: e ? e.durationSeconds / 3600 : null,
      tokensTotal: e?.tokensTotal ?? null,
      trainableParameters: e?.trainableParameters ?? null,
      gradientCheckpointing: e?.gradientCheckpointing ?? null,
      checkpointing: e?.checkpointing ?? null,
      datasetTokens: r.datasetTokens,
      model: r.model,
      largestRunner: largest?.vramMb
        ? { name: largest.name, vramMb: largest.vramMb, fits: required <= largest.vramMb }
        : null,
      assumptions: [...r.assumptions, ...(e?.assumptions ?? [])],
    };
  });
