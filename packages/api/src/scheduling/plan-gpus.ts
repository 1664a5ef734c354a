/**
 * Where a job of several GPUs can run, decided at creation (docs/decisions/0014-multi-gpu-jobs.md): the parallelism
 * (DDP, or FSDP when the model does not fit one GPU) and the GPU memory each GPU needs, which the runners check as they
 * check any job's requiredVramMb. A job is refused (412) when no registered GPU runner has that many GPUs, or none with
 * that many has the memory each needs. With no GPU runner registered (a fresh install, CPU runners) nothing is refused.
 */
import { chooseParallelism, type JobEstimate, type Parallelism } from "@whetstone/core";
import type { PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import { assertFitsARunner, formatGb } from "./estimate-job-spec";

export interface GpuPlan {
  parallelism: Parallelism;
  /** Per GPU, MiB: the payload's requiredVramMb. */
  requiredVramMb: number;
}

export async function planGpus(
  prisma: PrismaClient,
  gpuCount: number,
  estimate: Pick<JobEstimate, "vramBytes"> | null,
  requiredVramMb: number,
): Promise<GpuPlan> {
  if (gpuCount <= 1) {
    await assertFitsARunner(prisma, requiredVramMb);
    return { parallelism: "ddp", requiredVramMb };
  }
  const runners = await prisma.runner.findMany({
    where: { state: { notIn: ["offline", "disabled"] }, vramMb: { gt: 0 } },
    select: { name: true, vramMb: true, gpuCount: true },
  });
  // A runner older than multi-GPU jobs reports its VRAM but no count: one GPU.
  const gpus = (r: { gpuCount: number }) => Math.max(1, r.gpuCount);
  if (runners.length === 0) return { parallelism: "ddp", requiredVramMb };
  const wide = runners.filter((r) => gpus(r) >= gpuCount);
  if (wide.length === 0) {
    const most = runners.reduce((a, b) => (gpus(b) > gpus(a) || (gpus(b) === gpus(a) && b.name < a.name) ? b : a));
    throw new AppError(
      "PRECONDITION_FAILED",
      `gpuCount ${gpuCount}: no runner has ${gpuCount} GPUs; the runner with the most, ${most.name}, has ${gpus(most)}`,
      { field: "gpuCount", gpuCount, largestRunner: most.name, largestRunnerGpus: gpus(most) },
    );
  }
  const largest = wide.reduce((a, b) => ((b.vramMb ?? 0) > (a.vramMb ?? 0) ? b : a));
  const choice = chooseParallelism(gpuCount, estimate, largest.vramMb);
  const perGpu = estimate ? choice.perGpuVramMb : requiredVramMb;
  if (largest.vramMb !== null && perGpu > largest.vramMb) {
    throw new AppError(
      "PRECONDITION_FAILED",
      `needs ${formatGb(perGpu, "up")} of GPU memory on each of ${gpuCount} GPUs (${choice.parallelism.toUpperCase()}); ` +
        `the largest runner with ${gpuCount} GPUs, ${largest.name}, has ${formatGb(largest.vramMb, "down")} each`,
      {
        field: "gpuCount",
        gpuCount,
        requiredVramMb: perGpu,
        largestRunner: largest.name,
        largestRunnerVramMb: largest.vramMb,
      },
    );
  }
  return { parallelism: choice.parallelism, requiredVramMb: perGpu };
}
