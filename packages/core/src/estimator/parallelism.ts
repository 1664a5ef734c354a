import { DEFAULT_VRAM_MARGIN, type JobEstimate } from "./estimate-job";

export type Parallelism = "ddp" | "fsdp";

export interface ParallelismChoice {
  parallelism: Parallelism;
  /** GPU memory each GPU needs, MiB (with the scheduler's margin): what a runner's vramMb is checked against. */
  perGpuVramMb: number;
  /** Shown to the user verbatim. */
  reason: string;
}

/**
 * How a job of `gpuCount` GPUs spreads over them (decision 0014). DDP keeps a whole copy of the model on each GPU
 * (fastest: one all-reduce of the gradients per step); FSDP shards weights, gradients and optimizer state over the
 * GPUs (an all-gather of each layer's weights in the forward and backward passes) and is chosen only when the job
 * does not fit one GPU of `gpuVramMb` but its shards do (activations and the CUDA overhead are not sharded).
 * One GPU, no estimate or an unknown GPU size: DDP with the estimate's own need.
 */
export function chooseParallelism(
  gpuCount: number,
  estimate: Pick<JobEstimate, "vramBytes"> | null,
  gpuVramMb: number | null,
  margin = DEFAULT_VRAM_MARGIN,
): ParallelismChoice {
  if (!estimate) return { parallelism: "ddp", perGpuVramMb: 0, reason: "size unknown: data parallel (DDP)" };
  const v = estimate.vramBytes;
  const mb = (bytes: number) => Math.ceil((bytes * (1 + margin)) / 1024 ** 2);
  const whole = mb(v.total);
  if (gpuCount <= 1) return { parallelism: "ddp", perGpuVramMb: whole, reason: "one GPU" };
  if (gpuVramMb === null || whole <= gpuVramMb) {
    return { parallelism: "ddp", perGpuVramMb: whole, reason: `the model fits one GPU: data parallel (DDP) over ${gpuCount}` };
  }
  const sharded = (v.weights + v.trainableParams + v.gradients + v.optimizerState) / gpuCount;
  const perGpu = mb(sharded + v.activations + v.overhead);
  return {
    parallelism: "fsdp",
    perGpuVramMb: perGpu,
    reason: `the job needs ${whole} MiB, more than one GPU's ${gpuVramMb} MiB: fully sharded (FSDP) over ${gpuCount}, ${perGpu} MiB each`,
  };
}
