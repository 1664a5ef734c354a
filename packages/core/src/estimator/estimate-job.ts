import { z } from "zod";
import { gradientCheckpointingSchema, methodSchema, type GradientCheckpointingChoice, type Method } from "../job-spec";
import { DEFAULT_MFU, GPU_PRESETS, resolveGpu, type GpuPresetId } from "./gpus";
import {
  blockLinearParameters,
  kvDim,
  LORA_TARGET_MODULES,
  MODEL_PRESETS,
  moduleShapes,
  resolveModel,
  type ModelArchitecture,
  type ModelPresetId,
} from "./models";

/*
 * GPU memory and duration of a fine-tuning job on one GPU, before it is launched. Pure arithmetic.
 * Memory = weights + trainable copies + gradients + optimizer state + activations + overhead.
 * The constants below are the model; each is stated to the user in `assumptions`.
 */

const GIB = 1024 ** 3;
/** NF4 block size and the double-quantization layout of QLoRA (Dettmers et al. 2023, §3). */
const NF4_BLOCK = 64;
const DQ_BLOCK = 256;
/** Bits of quantization constants per parameter with double quantization: 8/64 + 32/(64·256) ≈ 0.127. */
const NF4_CONSTANT_BITS = 8 / NF4_BLOCK + 32 / (NF4_BLOCK * DQ_BLOCK);
const NF4_BYTES_PER_PARAM = (4 + NF4_CONSTANT_BITS) / 8;
const ADAMW_STATE_BYTES = 8;
const MASTER_WEIGHT_BYTES = 4;
/** Bytes per logit kept for the loss: bf16 logits, their fp32 upcast, fp32 softmax for the backward. */
const LOGIT_BYTES = 10;
const CONTEXT_OVERHEAD_BYTES = 1 * GIB;
const FRAGMENTATION = 0.05;
/** Wall-clock penalty of 4-bit dequantization in QLoRA steps, not visible in the FLOP count: LitGPT's
 *  resource tables (A100, Llama 2 7B LoRA r=8) time 1k iterations at 3.83 min with bnb.nf4-dq vs 2.36 min
 *  without quantization (1.6×). */
const QLORA_SLOWDOWN = 1.6;
/** Safety margin the scheduler adds to the estimate. */
export const DEFAULT_VRAM_MARGIN = 0.1;

const modelPresetIdSchema = z.enum(Object.keys(MODEL_PRESETS) as [ModelPresetId, ...ModelPresetId[]]);
const gpuPresetIdSchema = z.enum(Object.keys(GPU_PRESETS) as [GpuPresetId, ...GpuPresetId[]]);
const positiveInt = z.number().int().min(1);

/** The smallest model the estimator's derived architecture covers. */
export const MIN_ESTIMATED_PARAMETERS = 1_000_000;

export const modelSpecSchema = z.object({
  parameters: z.number().int().min(MIN_ESTIMATED_PARAMETERS).max(10_000_000_000_000),
  hiddenSize: positiveInt.optional(),
  numLayers: positiveInt.optional(),
  numAttentionHeads: positiveInt.optional(),
  numKeyValueHeads: positiveInt.optional(),
  vocabSize: positiveInt.optional(),
  intermediateSize: positiveInt.optional(),
  tieWordEmbeddings: z.boolean().optional(),
});

/** Field names follow `Hyperparameters` so a job spec's hyperparameters can be spread in; unknown
 *  keys (learningRate, …) are dropped. */
export const estimateJobInputSchema = z
  .object({
    model: z.union([modelPresetIdSchema, modelSpecSchema]),
    method: methodSchema,
    loraR: positiveInt.max(4096).default(16),
    /** Default: every linear layer of attention and MLP. */
    loraTargetModules: z
      .array(z.enum(LORA_TARGET_MODULES))
      .min(1)
      .default([...LORA_TARGET_MODULES]),
    loraDropout: z.number().min(0).lt(1).default(0.05),
    /** PEFT keeps adapters in fp32 by default; the QLoRA reference code casts them to bf16. */
    adapterPrecision: z.enum(["fp32", "bf16"]).default("fp32"),
    batchSize: positiveInt,
    gradientAccumulationSteps: positiveInt.default(1),
    maxSeqLength: positiveInt,
    precision: z.enum(["bf16", "fp16", "fp32"]).default("bf16"),
    /** "auto": off when the job fits the GPU's memory without it (faster), on when it fits only with it. */
    gradientCheckpointing: gradientCheckpointingSchema.default("auto"),
    /** "flash": fused SDPA / FlashAttention kernels that keep no seq×seq matrix; "eager": softmax kept. */
    attention: z.enum(["flash", "eager"]).default("flash"),
    datasetTokens: z.number().int().min(0),
    epochs: z.number().gt(0).max(1000).default(1),
    maxSteps: positiveInt.nullable().optional(),
    gpu: z
      .union([gpuPresetIdSchema, z.object({ tflops: z.number().gt(0), memoryBytes: z.number().gt(0).optional() })])
      .default("a100-80gb"),
    /** Model FLOPs utilisation: the fraction of the GPU's peak that training sustains. */
    mfu: z.number().gt(0).max(1).default(DEFAULT_MFU),
    /** The memory the job must fit, for gradientCheckpointing "auto" (the platform passes its largest runner's);
     *  default: the GPU's. */
    gpuMemoryBytes: z.number().gt(0).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.method === "qlora" && input.precision === "fp32") {
      ctx.addIssue({ code: "custom", path: ["precision"], message: "QLoRA computes in bf16 or fp16, not fp32" });
    }
  });

export type EstimateJobInput = z.input<typeof estimateJobInputSchema>;
type ParsedInput = z.output<typeof estimateJobInputSchema>;

export interface VramBreakdown {
  /** Model weights as held for the forward pass (bf16, fp32, or 4-bit NF4 for QLoRA). */
  weights: number;
  /** Extra copies for training: LoRA adapter weights, or the fp32 master weights of full fine-tuning. */
  trainableParams: number;
  gradients: number;
  optimizerState: number;
  /** Tensors saved for the backward pass, and the logits of the loss. */
  activations: number;
  /** CUDA context, library workspaces, allocator fragmentation. */
  overhead: number;
  total: number;
}

export interface JobEstimate {
  /** Bytes. */
  vramBytes: VramBreakdown;
  durationSeconds: number;
  tokensTotal: number;
  trainingFlops: number;
  trainableParameters: number;
  architecture: ModelArchitecture;
  /** Whether the job runs with gradient checkpointing (the choice, or what "auto" picked). */
  gradientCheckpointing: boolean;
  checkpointing: CheckpointingTradeoff;
  /** Shown to the user verbatim. */
  assumptions: string[];
}

/** Gradient checkpointing on against off, for the same job: what the form shows next to the choice. */
export interface CheckpointingTradeoff {
  /** true: the estimator chose (the input was "auto"); false: the caller did. */
  auto: boolean;
  /** Bytes of GPU memory checkpointing saves: the total with it off less the total with it on. */
  savedBytes: number;
  /** Extra time with it on, as a fraction of the time with it off (0.5 = 50 % longer). */
  slowdown: number;
  /** The memory the fit was checked against, bytes; null when unknown (a custom GPU without memory). */
  gpuMemoryBytes: number | null;
  /** Whether the job fits that memory (with the scheduler's margin) without / with checkpointing; null: unknown. */
  fitsWithout: boolean | null;
  fitsWith: boolean | null;
}

type FixedEstimate = { estimate: Omit<JobEstimate, "checkpointing">; flopsPerToken: number };

function billions(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : `${(n / 1e6).toFixed(2)} M`;
}

/** Parameters LoRA adds: r × (in + out) for each adapted matrix of each layer (Hu et al. 2021). */
export function loraParameterCount(arch: ModelArchitecture, r: number, targets: readonly string[]): number {
  const shapes = moduleShapes(arch);
  let perLayer = 0;
  for (const m of new Set(targets)) {
    const shape = shapes[m as keyof typeof shapes];
    if (shape) perLayer += r * (shape[0] + shape[1]);
  }
  return perLayer * arch.numLayers;
}

/**
 * The estimate, with gradient checkpointing as chosen or, for "auto", as the memory fit decides: off (the faster
 * setting) when the job fits the GPU without it, on when it fits only with it (or fits neither way: on needs less).
 */
export function estimateJob(rawInput: EstimateJobInput): JobEstimate {
  const input = estimateJobInputSchema.parse(rawInput);
  const off = estimateWith(input, false);
  const on = estimateWith(input, true);
  const memory = input.gpuMemoryBytes ?? resolveGpu(input.gpu).memoryBytes ?? null;
  const needs = (e: FixedEstimate) => e.estimate.vramBytes.total * (1 + DEFAULT_VRAM_MARGIN);
  const fitsWithout = memory === null ? null : needs(off) <= memory;
  const fitsWith = memory === null ? null : needs(on) <= memory;
  const auto = input.gradientCheckpointing === "auto";
  const savedBytes = off.estimate.vramBytes.total - on.estimate.vramBytes.total;
  const enabled =
    input.gradientCheckpointing === "auto" ? fitsWithout === false && savedBytes > 0 : input.gradientCheckpointing;
  const chosen = (enabled ? on : off).estimate;
  const slowdown = on.flopsPerToken / off.flopsPerToken - 1;
  const cost = `saves ${formatBytes(savedBytes)} and takes ~${Math.round(slowdown * 100)}% longer (one more forward pass)`;
  const margin = `with the ${DEFAULT_VRAM_MARGIN * 100}% margin`;
  let why: string;
  if (!auto) why = `Gradient checkpointing ${enabled ? "on" : "off"} (chosen): on ${cost}.`;
  else if (memory === null)
    why = `Gradient checkpointing off (automatic): the GPU's memory is unknown, so the faster setting; on ${cost}.`;
  else if (!enabled)
    why = `Gradient checkpointing off (automatic): the job fits the GPU's ${formatBytes(memory)} without it (${formatBytes(needs(off))} ${margin}); on ${cost}.`;
  else
    why = `Gradient checkpointing on (automatic): without it the job needs ${formatBytes(needs(off))} ${margin}, more than the GPU's ${formatBytes(memory)}; on ${cost}${fitsWith ? "" : `, and still needs ${formatBytes(needs(on))}`}.`;
  return {
    ...chosen,
    gradientCheckpointing: enabled,
    checkpointing: { auto, savedBytes, slowdown, gpuMemoryBytes: memory, fitsWithout, fitsWith },
    assumptions: [...chosen.assumptions, why],
  };
}

/**
 * What a job runs with, as the platform puts it in the runner's payload: the caller's true or false, else the
 * estimate's pick for "auto", else (no estimate: a model of unknown or test size) off — except QLoRA, whose
 * memory-bound 4-bit path has always run with it.
 */
export function resolveGradientCheckpointing(
  choice: GradientCheckpointingChoice,
  method: Method,
  estimate: Pick<JobEstimate, "gradientCheckpointing"> | null,
): boolean {
  if (choice !== "auto") return choice;
  return estimate ? estimate.gradientCheckpointing : method === "qlora";
}

function estimateWith(input: ParsedInput, checkpointing: boolean): FixedEstimate {
  const method: Method = input.method;
  const { architecture: arch, derived, preset } = resolveModel(input.model);
  const gpu = resolveGpu(input.gpu);
  const isLora = method !== "full";
  const computeBytes = input.precision === "fp32" ? 4 : 2;
  const dtype = input.precision;
  const n = arch.parameters;
  const h = arch.hiddenSize;
  const L = arch.numLayers;
  const f = arch.intermediateSize;
  const kv = kvDim(arch);
  const s = input.maxSeqLength;
  const b = input.batchSize;
  const targets = [...new Set(input.loraTargetModules)];
  const assumptions: string[] = [];

  assumptions.push(
    preset
      ? `Model ${preset}: ${billions(n)} parameters, hidden ${h}, ${L} layers, ${arch.numAttentionHeads} attention heads (${arch.numKeyValueHeads} KV), MLP ${f}, vocabulary ${arch.vocabSize} (published config).`
      : derived.length > 0
        ? `Model of ${billions(n)} parameters with a Llama-like architecture; derived from the parameter count: ${derived.join(", ")} (hidden ${h}, ${L} layers, ${arch.numAttentionHeads} heads, MLP ${f}, vocabulary ${arch.vocabSize}).`
        : `Model of ${billions(n)} parameters: hidden ${h}, ${L} layers, ${arch.numAttentionHeads} attention heads (${arch.numKeyValueHeads} KV), MLP ${f}, vocabulary ${arch.vocabSize}.`,
  );
  assumptions.push("One GPU, no ZeRO/FSDP sharding and no CPU offload.");

  // Weights.
  const linear = Math.min(n, blockLinearParameters(arch));
  let weights: number;
  if (method === "qlora") {
    weights = linear * NF4_BYTES_PER_PARAM + (n - linear) * 2;
    assumptions.push(
      `Base weights in 4-bit NF4 with double quantization (QLoRA, Dettmers et al. 2023): 0.5 byte per parameter + ${NF4_CONSTANT_BITS.toFixed(3)} bit of quantization constants (blocks of ${NF4_BLOCK}, 8-bit constants, 32-bit second-level constants per ${DQ_BLOCK} blocks) for the ${billions(linear)} parameters of the transformer blocks' linear layers; embeddings, LM head and norms (${billions(n - linear)}) stay in bf16.`,
    );
  } else {
    weights = n * computeBytes;
    assumptions.push(`Base weights in ${dtype}: ${computeBytes} bytes per parameter.`);
  }

  // Trainable parameters, gradients, optimizer state.
  let trainableParameters: number;
  let trainableParams: number;
  let gradients: number;
  if (isLora) {
    trainableParameters = loraParameterCount(arch, input.loraR, targets);
    const adapterBytes = input.adapterPrecision === "fp32" ? 4 : 2;
    trainableParams = trainableParameters * adapterBytes;
    gradients = trainableParameters * adapterBytes;
    assumptions.push(
      `LoRA r=${input.loraR} on ${targets.join(", ")}: r × (in + out) parameters per adapted matrix and layer (Hu et al. 2021) = ${billions(trainableParameters)} trainable parameters, ${adapterBytes} bytes each (${input.adapterPrecision}) and ${adapterBytes}-byte gradients; the frozen base gets no gradients.`,
    );
  } else {
    trainableParameters = n;
    trainableParams = computeBytes === 4 ? 0 : n * MASTER_WEIGHT_BYTES;
    gradients = n * computeBytes;
    assumptions.push(
      computeBytes === 4
        ? "Full fine-tuning in fp32 with AdamW: 16 bytes per parameter (4 weights + 4 gradients + 8 optimizer state)."
        : `Full fine-tuning with mixed-precision AdamW: 16 bytes per parameter (ZeRO, Rajbhandari et al. 2020): 2 (${dtype} weights) + 2 (${dtype} gradients) + 4 (fp32 master weights) + 8 (fp32 optimizer state).`,
    );
  }
  const optimizerState = trainableParameters * ADAMW_STATE_BYTES;
  assumptions.push("AdamW: 8 bytes of optimizer state per trainable parameter (fp32 m and v).");

  // Activations: bytes saved for backward per token and layer, in 16-bit, recounted for Llama blocks
  // after Korthikanti et al. 2022 (their GPT block: 34·h + 5·a·s with dropout and an eager softmax):
  //   2 RMSNorm inputs upcast to fp32: 8h; attention: q/k/v input 2h, Q 2h, K and V 4·h_kv, output 2h;
  //   MLP: gate/up input 2h, gate 2f, SiLU(gate) 2f, up 2f, down input 2f.  Total 16h + 4·h_kv + 8f.
  const scale = computeBytes / 2;
  const basePerToken = 16 * h + 4 * kv + 8 * f;
  const shapes = moduleShapes(arch);
  let loraPerToken = 0;
  if (isLora) {
    for (const m of targets) {
      const [inF] = shapes[m];
      // x·A (r values); with dropout, PEFT keeps each module's dropped-out copy of its input (2 bytes)
      // and the dropout mask (1 byte).
      loraPerToken += 2 * input.loraR + (input.loraDropout > 0 ? 3 * inF : 0);
    }
  }
  const layerPerToken = basePerToken + loraPerToken;
  const eagerPerSequence = input.attention === "eager" ? 2 * arch.numAttentionHeads * s * s : 0;
  const layerBytes = (layerPerToken * s * b + eagerPerSequence * b) * scale;
  const logits = s * b * arch.vocabSize * LOGIT_BYTES;
  const activations = checkpointing ? L * 2 * s * b * h * scale + layerBytes + logits : L * layerBytes + logits;
  const formula = `s·b·(16h + 4·h_kv + 8·f${isLora ? " + LoRA" : ""})${input.attention === "eager" ? " + 2·a·s²·b" : ""} bytes per layer`;
  const citation =
    'after Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer Models" (s·b·h·(34 + 5·a·s/h) for a GPT block), recounted for Llama blocks: RMSNorm inputs in fp32, SwiGLU MLP, grouped KV heads, no dropout';
  const loraNote = isLora
    ? `; LoRA adds r values per adapted module${input.loraDropout > 0 ? " and, with dropout, a copy of each adapted module's input and its mask (3 bytes per input element)" : ""}`
    : "";
  const attentionNote =
    input.attention === "flash"
      ? "; fused attention (FlashAttention / SDPA) keeps no seq × seq matrix"
      : "; eager attention keeps the softmax output (2·a·s² bytes per sequence and layer)";
  assumptions.push(
    checkpointing
      ? `Activations with gradient checkpointing: each layer keeps only its input (2·s·b·h bytes per layer), and one layer at a time is recomputed in full during backward (${formula}, ${citation}${loraNote}${attentionNote}); sized for every sequence at the maximum length ${s}, batch ${b}.`
      : `Activations without gradient checkpointing: ${formula} for all ${L} layers (${citation}${loraNote}${attentionNote}); sized for every sequence at the maximum length ${s}, batch ${b}.`,
  );
  assumptions.push(
    `Logits for the loss: sequence × batch × vocabulary × ${LOGIT_BYTES} bytes (${dtype} logits, fp32 upcast, fp32 softmax for the backward).`,
  );

  const tensors = weights + trainableParams + gradients + optimizerState + activations;
  const overhead = CONTEXT_OVERHEAD_BYTES + FRAGMENTATION * tensors;
  assumptions.push(
    `Overhead: 1 GiB for the CUDA context and cuBLAS workspaces + ${FRAGMENTATION * 100}% of tensor memory for allocator fragmentation.`,
  );

  // Tokens and time.
  const stepTokensMax = b * input.gradientAccumulationSteps * s;
  const epochTokens = input.datasetTokens * input.epochs;
  const tokensTotal = input.maxSteps ? Math.min(epochTokens, input.maxSteps * stepTokensMax) : epochTokens;
  assumptions.push(
    input.maxSteps
      ? `Tokens processed: dataset tokens × epochs, at most ${input.maxSteps} steps × ${stepTokensMax} tokens (batch × accumulation × max length); padding not counted.`
      : "Tokens processed: dataset tokens × epochs; padding not counted.",
  );

  const matmulParams = linear + arch.vocabSize * h; // block linears + LM head (the embedding lookup is no matmul)
  const forwardPerToken = 2 * matmulParams + 2 * L * s * h;
  const passes = isLora ? 2 : 3;
  const flopsPerToken =
    passes * forwardPerToken + (checkpointing ? forwardPerToken : 0) + (isLora ? 6 * trainableParameters : 0);
  const trainingFlops = flopsPerToken * tokensTotal;
  assumptions.push(
    `Training FLOPs ≈ 6 × parameters × tokens (forward 2, backward 4; Kaplan et al. 2020, with 2 × layers × sequence × hidden per token for attention scores), LoRA ≈ 4 × parameters × tokens (the frozen base needs no weight gradients) + 6 × adapter parameters × tokens; gradient checkpointing adds one more forward (+2 × parameters × tokens). This job: ${(flopsPerToken / 1e9).toFixed(1)} GFLOP per token.`,
  );
  const sustained = gpu.tflops * 1e12 * input.mfu;
  let durationSeconds = tokensTotal === 0 ? 0 : trainingFlops / sustained;
  assumptions.push(
    `Throughput: ${gpu.label}, ${gpu.tflops} TFLOPS dense bf16 peak × ${Math.round(input.mfu * 100)}% model FLOPs utilisation = ${(sustained / 1e12).toFixed(0)} TFLOPS sustained.`,
  );
  if (method === "qlora") {
    durationSeconds *= QLORA_SLOWDOWN;
    assumptions.push(
      `QLoRA steps take ${QLORA_SLOWDOWN}× as long for the same FLOPs (4-bit dequantization; LitGPT resource tables, Llama 2 7B on A100).`,
    );
  }

  const estimate = {
    vramBytes: {
      weights,
      trainableParams,
      gradients,
      optimizerState,
      activations,
      overhead,
      total: tensors + overhead,
    },
    durationSeconds,
    tokensTotal,
    trainingFlops,
    trainableParameters,
    architecture: arch,
    gradientCheckpointing: checkpointing,
    assumptions,
  };
  return { estimate, flopsPerToken };
}

/** GPU memory the scheduler should require for a job: the estimate plus a safety margin, in MiB. */
export function requiredVramMb(estimate: Pick<JobEstimate, "vramBytes">, margin = DEFAULT_VRAM_MARGIN): number {
  if (!(margin >= 0)) throw new RangeError(`margin must be ≥ 0, got ${margin}`);
  return Math.ceil((estimate.vramBytes.total * (1 + margin)) / 1024 ** 2);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** "13.8 GiB": binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text =
    unit === 0
      ? String(Math.round(value))
      : value >= 100
        ? value.toFixed(0)
        : value >= 10
          ? value.toFixed(1)
          : value.toFixed(2);
  return `${sign}${text} ${UNITS[unit]}`;
}
