import type { RunnerEventInput, TrainingJobPayloadInput } from "./index";

/** Examples that go into the exported JSON Schemas; the Python runner's tests run them. */
export const trainingJobPayloadExamples: TrainingJobPayloadInput[] = [
  {
    schemaVersion: 1,
    jobId: "job_example_sft",
    teamId: "team_example",
    technique: "sft",
    method: "lora",
    hyperparameters: {
      epochs: 1, learningRate: 0.002, batchSize: 4, gradientAccumulationSteps: 1, maxSeqLength: 128,
      warmupRatio: 0, weightDecay: 0, loraR: 8, loraAlpha: 16, loraDropout: 0, validationSplit: 0.2,
      earlyStoppingPatience: 3, evalEverySteps: 5, checkpointEverySteps: 10, logEverySteps: 1, maxSteps: 20,
      seed: 42, packing: false, mergeWeights: false,
    },
    baseModel: { id: "bm_tiny", name: "tiny-llama", source: "local", ref: "/models/tiny-llama", revision: null, artifactKind: null, parent: null },
    datasets: [
      {
        datasetVersionId: "dv_chat", name: "support-chat", key: "datasets/team_example/dv_chat/data.jsonl",
        format: "chat", container: "jsonl", weight: 1, rows: 64,
        sha256: "0".repeat(64),
      },
    ],
    outputPrefix: "jobs/job_example_sft/",
    requiredVramMb: 0,
  },
  {
    schemaVersion: 1,
    jobId: "job_example_transfer_multitask",
    teamId: "team_example",
    technique: "sft",
    method: "lora",
    hyperparameters: {
      epochs: 2, learningRate: 0.0002, batchSize: 8, gradientAccumulationSteps: 2, maxSeqLength: 512,
      warmupRatio: 0.03, weightDecay: 0, loraR: 16, loraAlpha: 32, loraDropout: 0.05, validationSplit: 0.1,
      earlyStoppingPatience: 3, evalEverySteps: 50, checkpointEverySteps: 100, logEverySteps: 10, maxSteps: null,
      seed: 7, packing: false, mergeWeights: true,
    },
    baseModel: {
      id: "bm_from_job", name: "legal-v1", source: "artifact", ref: "jobs/job_prev/artifacts/", revision: null,
      artifactKind: "adapter",
      parent: { id: "bm_hf", name: "Qwen2.5-0.5B", source: "huggingface", ref: "Qwen/Qwen2.5-0.5B", revision: null, artifactKind: null, parent: null },
    },
    datasets: [
      { datasetVersionId: "dv_a", name: "contracts-qa", key: "datasets/team_example/dv_a/data.jsonl", format: "alpaca", container: "jsonl", weight: 3, rows: 1200, sha256: "a".repeat(64) },
      { datasetVersionId: "dv_b", name: "case-law", key: "datasets/team_example/dv_b/data.jsonl", format: "prompt_completion", container: "jsonl", weight: 1, rows: 400, sha256: "b".repeat(64) },
    ],
    outputPrefix: "jobs/job_example_transfer_multitask/",
    requiredVramMb: 6000,
  },
];

const t = "2026-01-01T00:00:00.000Z";
export const runnerEventExamples: RunnerEventInput[] = [
  { type: "state", eventId: "5f0c6f4e-3b1a-4c57-9a3e-2f7c1d1e0a01", ts: t, runner: "gpu-host-1", jobId: "job_example_sft", attempt: 1, state: "running", message: null },
  { type: "log", eventId: "5f0c6f4e-3b1a-4c57-9a3e-2f7c1d1e0a02", ts: t, runner: "gpu-host-1", jobId: "job_example_sft", attempt: 1, level: "info", message: "loaded 64 rows" },
  { type: "metric", eventId: "5f0c6f4e-3b1a-4c57-9a3e-2f7c1d1e0a03", ts: t, runner: "gpu-host-1", jobId: "job_example_sft", attempt: 1, step: 10, epoch: 0.5, values: { train_loss: 2.31, learning_rate: 0.002, tokens_per_second: 1830.5 } },
  { type: "checkpoint", eventId: "5f0c6f4e-3b1a-4c57-9a3e-2f7c1d1e0a04", ts: t, runner: "gpu-host-1", jobId: "job_example_sft", attempt: 1, step: 10, key: "jobs/job_example_sft/checkpoints/step-10/", bytes: 123456 },
  {
    type: "state", eventId: "5f0c6f4e-3b1a-4c57-9a3e-2f7c1d1e0a05", ts: t, runner: "gpu-host-1", jobId: "job_example_sft", attempt: 1, state: "succeeded", message: null,
    artifacts: [{ kind: "adapter", name: "adapter_model.safetensors", key: "jobs/job_example_sft/artifacts/adapter/adapter_model.safetensors", bytes: 52000, sha256: "c".repeat(64) }],
    summary: { best_val_loss: 1.92, best_step: 20 },
  },
  { type: "heartbeat", eventId: "5f0c6f4e-3b1a-4c57-9a3e-2f7c1d1e0a06", ts: t, runner: "gpu-host-1", gpuName: "NVIDIA H100 80GB HBM3", vramMb: 81559, cudaVersion: "12.4", state: "busy", currentJobId: "job_example_sft", version: "0.1.0" },
];
