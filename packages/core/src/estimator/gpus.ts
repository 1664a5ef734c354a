/**
 * GPU presets: dense (no sparsity) BF16 tensor-core peak from the vendor data sheets, and memory.
 * Peak throughput is never reached in training; the estimator multiplies it by a model FLOPs
 * utilisation (MFU).
 */
export interface GpuSpec {
  /** Dense BF16 peak, TFLOPS (10^12 FLOP/s). */
  tflops: number;
  /** Device memory, bytes (binary GiB as sold: "80 GB" cards have 80 GiB). */
  memoryBytes?: number;
}

const GIB = 1024 ** 3;

export const GPU_PRESETS = {
  "a100-40gb": { label: "NVIDIA A100 40GB", tflops: 312, memoryBytes: 40 * GIB },
  "a100-80gb": { label: "NVIDIA A100 80GB", tflops: 312, memoryBytes: 80 * GIB },
  "h100-sxm": { label: "NVIDIA H100 SXM 80GB", tflops: 989, memoryBytes: 80 * GIB },
  "h100-pcie": { label: "NVIDIA H100 PCIe 80GB", tflops: 756, memoryBytes: 80 * GIB },
  h200: { label: "NVIDIA H200 141GB", tflops: 989, memoryBytes: 141 * GIB },
  l4: { label: "NVIDIA L4 24GB", tflops: 121, memoryBytes: 24 * GIB },
  l40s: { label: "NVIDIA L40S 48GB", tflops: 362, memoryBytes: 48 * GIB },
  a6000: { label: "NVIDIA RTX A6000 48GB", tflops: 155, memoryBytes: 48 * GIB },
  // GeForce: 165 TFLOPS with FP32 accumulation, which is what PyTorch's BF16 matmuls use.
  "rtx-4090": { label: "NVIDIA GeForce RTX 4090 24GB", tflops: 165, memoryBytes: 24 * GIB },
} as const satisfies Record<string, GpuSpec & { label: string }>;

export type GpuPresetId = keyof typeof GPU_PRESETS;
export const GPU_PRESET_IDS = Object.keys(GPU_PRESETS) as GpuPresetId[];

/** Model FLOPs utilisation assumed when none is given: a typical figure for single-GPU fine-tuning
 *  with Hugging Face / PEFT (pre-training stacks reach 40–55 %). */
export const DEFAULT_MFU = 0.35;

export function resolveGpu(gpu: GpuSpec | GpuPresetId): GpuSpec & { label: string } {
  if (typeof gpu === "string") {
    const preset = GPU_PRESETS[gpu];
    if (!preset) throw new RangeError(`unknown GPU preset "${gpu}"; known: ${GPU_PRESET_IDS.join(", ")}`);
    return preset;
  }
  return { label: `${gpu.tflops} TFLOPS GPU`, ...gpu };
}
