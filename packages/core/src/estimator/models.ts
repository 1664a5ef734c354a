/**
 * Model architectures for the estimator: presets with the numbers published in each model's
 * `config.json` on the Hugging Face Hub, and a derivation of Llama-like defaults from a parameter count.
 * All models are treated as decoder-only transformers with Llama-style blocks: RMSNorm, attention with
 * q/k/v/o projections (grouped-query when numKeyValueHeads < numAttentionHeads) and a gated (SwiGLU)
 * MLP with gate/up/down projections.
 */

export interface ModelArchitecture {
  /** Total parameter count (embeddings included). */
  parameters: number;
  hiddenSize: number;
  numLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  vocabSize: number;
  intermediateSize: number;
  /** Input embedding and LM head share one matrix (Qwen2.5-0.5B/1.5B). */
  tieWordEmbeddings: boolean;
}

/** What a caller knows about a model: the parameter count, and architecture numbers where known. */
export type ModelSpec = { parameters: number } & Partial<Omit<ModelArchitecture, "parameters">>;

export const MODEL_PRESETS = {
  // meta-llama/Meta-Llama-3-8B config.json
  "llama-3-8b": {
    parameters: 8_030_261_248,
    hiddenSize: 4096,
    numLayers: 32,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    vocabSize: 128_256,
    intermediateSize: 14_336,
    tieWordEmbeddings: false,
  },
  // meta-llama/Llama-2-7b-hf, -13b-hf, -70b-hf config.json
  "llama-2-7b": {
    parameters: 6_738_415_616,
    hiddenSize: 4096,
    numLayers: 32,
    numAttentionHeads: 32,
    numKeyValueHeads: 32,
    vocabSize: 32_000,
    intermediateSize: 11_008,
    tieWordEmbeddings: false,
  },
  "llama-2-13b": {
    parameters: 13_015_864_320,
    hiddenSize: 5120,
    numLayers: 40,
    numAttentionHeads: 40,
    numKeyValueHeads: 40,
    vocabSize: 32_000,
    intermediateSize: 13_824,
    tieWordEmbeddings: false,
  },
  "llama-2-70b": {
    parameters: 68_976_648_192,
    hiddenSize: 8192,
    numLayers: 80,
    numAttentionHeads: 64,
    numKeyValueHeads: 8,
    vocabSize: 32_000,
    intermediateSize: 28_672,
    tieWordEmbeddings: false,
  },
  // mistralai/Mistral-7B-v0.1 config.json
  "mistral-7b": {
    parameters: 7_241_732_096,
    hiddenSize: 4096,
    numLayers: 32,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    vocabSize: 32_000,
    intermediateSize: 14_336,
    tieWordEmbeddings: false,
  },
  // Qwen/Qwen2.5-0.5B, -1.5B, -7B config.json (q/k/v projections carry biases)
  "qwen2.5-0.5b": {
    parameters: 494_032_768,
    hiddenSize: 896,
    numLayers: 24,
    numAttentionHeads: 14,
    numKeyValueHeads: 2,
    vocabSize: 151_936,
    intermediateSize: 4864,
    tieWordEmbeddings: true,
  },
  "qwen2.5-1.5b": {
    parameters: 1_543_714_304,
    hiddenSize: 1536,
    numLayers: 28,
    numAttentionHeads: 12,
    numKeyValueHeads: 2,
    vocabSize: 151_936,
    intermediateSize: 8960,
    tieWordEmbeddings: true,
  },
  "qwen2.5-7b": {
    parameters: 7_615_616_512,
    hiddenSize: 3584,
    numLayers: 28,
    numAttentionHeads: 28,
    numKeyValueHeads: 4,
    vocabSize: 152_064,
    intermediateSize: 18_944,
    tieWordEmbeddings: false,
  },
  // microsoft/Phi-3-mini-4k-instruct config.json (fused qkv_proj and gate_up_proj, counted here as separate modules)
  "phi-3-mini": {
    parameters: 3_821_079_552,
    hiddenSize: 3072,
    numLayers: 32,
    numAttentionHeads: 32,
    numKeyValueHeads: 32,
    vocabSize: 32_064,
    intermediateSize: 8192,
    tieWordEmbeddings: false,
  },
} as const satisfies Record<string, ModelArchitecture>;

export type ModelPresetId = keyof typeof MODEL_PRESETS;
export const MODEL_PRESET_IDS = Object.keys(MODEL_PRESETS) as ModelPresetId[];

/** The linear layers of one block that LoRA can adapt (PEFT's names for Llama-family models). */
export const LORA_TARGET_MODULES = [
  "q_proj",
  "k_proj",
  "v_proj",
  "o_proj",
  "gate_proj",
  "up_proj",
  "down_proj",
] as const;
export type LoraTargetModule = (typeof LORA_TARGET_MODULES)[number];

/** [in_features, out_features] of each linear layer in one block. */
export function moduleShapes(arch: ModelArchitecture): Record<LoraTargetModule, readonly [number, number]> {
  const h = arch.hiddenSize;
  const kv = kvDim(arch);
  const f = arch.intermediateSize;
  return {
    q_proj: [h, h],
    k_proj: [h, kv],
    v_proj: [h, kv],
    o_proj: [h, h],
    gate_proj: [h, f],
    up_proj: [h, f],
    down_proj: [f, h],
  };
}

/** Width of the key (or value) projection: KV heads × head dimension. */
export function kvDim(arch: ModelArchitecture): number {
  return (arch.hiddenSize / arch.numAttentionHeads) * arch.numKeyValueHeads;
}

/** Weights of all linear layers inside the transformer blocks (what 4-bit quantization replaces). */
export function blockLinearParameters(arch: ModelArchitecture): number {
  const perLayer = Object.values(moduleShapes(arch)).reduce((sum, [i, o]) => sum + i * o, 0);
  return perLayer * arch.numLayers;
}

/** Parameter count from the architecture alone: blocks, two RMSNorms per block, final norm,
 *  embedding and (untied) LM head. Biases are not counted. */
export function countParameters(arch: Omit<ModelArchitecture, "parameters">): number {
  const full = { ...arch, parameters: 0 };
  const embeddings = arch.vocabSize * arch.hiddenSize * (arch.tieWordEmbeddings ? 1 : 2);
  return blockLinearParameters(full) + arch.numLayers * 2 * arch.hiddenSize + arch.hiddenSize + embeddings;
}

const HEAD_DIM = 128;
const DEFAULT_VOCAB = 32_000;

function roundTo(x: number, multiple: number): number {
  return Math.max(multiple, Math.round(x / multiple) * multiple);
}

/**
 * Llama-like architecture for a parameter count when the real one is unknown: head dimension 128,
 * hidden a multiple of 256, about `hidden / 128` layers (Llama-2-7B: 4096 / 32), MLP width 8/3 × hidden rounded up to 256,
 * multi-head attention (KV heads = heads), a 32k vocabulary. Any field given in `spec` wins.
 * Returns the architecture and the names of the fields that were derived.
 */
export function deriveArchitecture(spec: ModelSpec): { architecture: ModelArchitecture; derived: string[] } {
  const derived: string[] = [];
  const n = spec.parameters;
  const vocabSize = spec.vocabSize ?? (derived.push("vocabSize"), DEFAULT_VOCAB);
  const tieWordEmbeddings = spec.tieWordEmbeddings ?? false;
  // Blocks hold ≈ 12·h² parameters per layer (4h² attention + 3·h·(8h/3) MLP) and there are ≈ h/128
  // layers, so N ≈ 12·h³/128: h ≈ cbrt(N · 128 / 12).
  const hiddenSize = spec.hiddenSize ?? (derived.push("hiddenSize"), roundTo(Math.cbrt((n * HEAD_DIM) / 12), 256));
  const intermediateSize =
    spec.intermediateSize ?? (derived.push("intermediateSize"), Math.ceil((8 * hiddenSize) / 3 / 256) * 256);
  const numAttentionHeads =
    spec.numAttentionHeads ?? (derived.push("numAttentionHeads"), Math.max(1, Math.round(hiddenSize / HEAD_DIM)));
  const numKeyValueHeads = spec.numKeyValueHeads ?? (derived.push("numKeyValueHeads"), numAttentionHeads);
  let numLayers = spec.numLayers;
  if (numLayers === undefined) {
    derived.push("numLayers");
    const partial = { hiddenSize, numAttentionHeads, numKeyValueHeads, vocabSize, intermediateSize, tieWordEmbeddings };
    const perLayer = countParameters({ ...partial, numLayers: 1 }) - countParameters({ ...partial, numLayers: 0 });
    const embeddings = countParameters({ ...partial, numLayers: 0 });
    numLayers = Math.max(1, Math.round((n - embeddings) / perLayer));
  }
  return {
    architecture: {
      parameters: n,
      hiddenSize,
      numLayers,
      numAttentionHeads,
      numKeyValueHeads,
      vocabSize,
      intermediateSize,
      tieWordEmbeddings,
    },
    derived,
  };
}

export function resolveModel(model: ModelSpec | ModelPresetId): {
  architecture: ModelArchitecture;
  derived: string[];
  preset: ModelPresetId | null;
} {
  if (typeof model === "string") {
    const preset = MODEL_PRESETS[model];
    if (!preset) throw new RangeError(`unknown model preset "${model}"; known: ${MODEL_PRESET_IDS.join(", ")}`);
    return { architecture: { ...preset }, derived: [], preset: model };
  }
  return { ...deriveArchitecture(model), preset: null };
}
