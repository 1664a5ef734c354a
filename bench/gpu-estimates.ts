/**
 * What the estimator predicts for the GPU check's benchmark (bench/gpu-check.sh → bench/runner_overhead.py
 * --model-config 0.5b --direct): the ~0.5B Llama config of the benchmark (random weights, the bundled 1,024-token
 * vocabulary), rows filling the sequence, on an H200, LoRA and full fine-tuning, gradient checkpointing off as the
 * benchmark runs. The GPU machine has no Node, so the figures travel as bench/gpu-estimates.json, which the
 * benchmark reads to print measured against predicted (issue 14: within 20%).
 *
 *   npx tsx bench/gpu-estimates.ts            # rewrites bench/gpu-estimates.json
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { estimateJob, GPU_PRESETS } from "@whetstone/core";

const ARCH = { hidden: 1280, layers: 24, heads: 20, kvHeads: 4, intermediate: 4864, vocab: 1024 };
export const RUN = { batchSize: 8, maxSeqLength: 512, steps: 120, gpu: "h200" as const };

function parameters(): number {
  const { hidden: h, layers, heads, kvHeads, intermediate: f, vocab } = ARCH;
  const kv = (h / heads) * kvHeads;
  const perLayer = 2 * h * h + 2 * h * kv + 3 * h * f + 2 * h;
  return 2 * vocab * h + layers * perLayer + h; // untied embeddings and head, final norm
}

const out: Record<string, unknown> = {
  config: { ...ARCH, parameters: parameters(), ...RUN, gpuLabel: GPU_PRESETS[RUN.gpu].label },
};
for (const method of ["lora", "full"] as const) {
  const e = estimateJob({
    model: {
      parameters: parameters(),
      hiddenSize: ARCH.hidden,
      numLayers: ARCH.layers,
      numAttentionHeads: ARCH.heads,
      numKeyValueHeads: ARCH.kvHeads,
      vocabSize: ARCH.vocab,
      intermediateSize: ARCH.intermediate,
      tieWordEmbeddings: false,
    },
    method,
    loraR: 16,
    loraDropout: 0,
    batchSize: RUN.batchSize,
    maxSeqLength: RUN.maxSeqLength,
    gradientCheckpointing: false,
    datasetTokens: RUN.batchSize * RUN.maxSeqLength * RUN.steps,
    maxSteps: RUN.steps,
    gpu: RUN.gpu,
  });
  out[method] = {
    vramBytes: e.vramBytes.total,
    vramBreakdown: e.vramBytes,
    durationSeconds: e.durationSeconds,
    tokensPerSecond: e.tokensTotal / e.durationSeconds,
    trainingFlops: e.trainingFlops,
    trainableParameters: e.trainableParameters,
  };
}
const file = path.join(import.meta.dirname, "gpu-estimates.json");
writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
console.log(JSON.stringify(out, null, 2));
