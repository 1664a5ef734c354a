/**
 * THE contract between the TypeScript side and the Python runner, defined once here. Everything a runner and the
 * platform must agree on is a constant below; `npm run queue:schema` exports it (with the JSON Schemas of the
 * payloads and events) into packages/queue/schema/, which the runner loads. A test fails when an export is stale,
 * and a runner test fails when the runner uses a name that is not here. See docs/decisions/0005-job-kinds-and-contract.md.
 */
import { DATASET_FORMATS, FORMATS_FOR_TECHNIQUE, TECHNIQUES } from "@whetstone/core";
import { SELECTION_STRATEGIES } from "./active-learning-job";
import { AUGMENTABLE_FORMATS, PROVENANCE_FIELD } from "./augmentation-job";

/** Prefix of every Redis key and channel of Whetstone's own (BullMQ keeps its own `bull:` prefix). */
export const KEY_PREFIX = "whetstone";
export const BULL_PREFIX = "bull";

/** BullMQ queues. Long GPU work and interactive work travel apart so a chat never waits behind hours of training. */
export const QUEUES = {
  training: "training",
  inference: "inference",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/**
 * Job kinds: the `kind` of a payload, the BullMQ job name it travels under, its queue, and the JSON Schema file the
 * runner validates it against. A runner refuses a kind that is not listed here (final, not retried).
 */
export const JOB_KINDS = {
  train: { jobName: "training.run", queue: QUEUES.training, schema: "job-train.schema.json" },
  evaluate: { jobName: "evaluation.run", queue: QUEUES.training, schema: "job-evaluate.schema.json" },
  generate: { jobName: "inference.generate", queue: QUEUES.inference, schema: "job-generate.schema.json" },
  score: { jobName: "active-learning.score", queue: QUEUES.training, schema: "job-score.schema.json" },
  simulate: { jobName: "active-learning.simulate", queue: QUEUES.training, schema: "job-simulate.schema.json" },
  augment: { jobName: "dataset.augment", queue: QUEUES.training, schema: "job-augment.schema.json" },
  merge: { jobName: "training.merge", queue: QUEUES.training, schema: "job-merge.schema.json" },
} as const;
export type JobKind = keyof typeof JOB_KINDS;
export const JOB_KIND_NAMES = Object.keys(JOB_KINDS) as [JobKind, ...JobKind[]];

/** Redis keys and channels; `{name}` parts are filled in by both sides with `redisKey()` / `redis_key()`. */
export const REDIS_KEYS = {
  /** Stream the runners write their events to; apps/worker reads it with the consumer group below. */
  eventsStream: "{prefix}:events",
  eventsGroup: "persisters",
  /** Set (value "1") to ask the runner holding a job to kill it. */
  cancel: "{prefix}:cancel:{jobId}",
  /** Set (value "1") to ask the runner holding a training job to hand it back as `paused`, keeping its checkpoints. */
  pause: "{prefix}:pause:{jobId}",
  /** "drain" (finish the current job, take no more) or "disable", set by the admin console. */
  runnerControl: "{prefix}:runner:{runnerName}:control",
  /** Set by the runner at every heartbeat with a TTL of a few heartbeats: alive as Redis sees it, whether or not the
   *  worker is reading the events stream (docs/decisions/0011-liveness-and-final-events.md). */
  runnerAlive: "{prefix}:runner:{runnerName}:alive",
  /** Pub/sub channel on which the worker announces a job changed, for open job pages. */
  jobUpdates: "{prefix}:job-updates:{jobId}",
  /** Stream of one `generate` request: `token` entries as they are generated, then one `done` (or `error`) entry. */
  generationStream: "{prefix}:generation:{jobId}",
} as const;

export function redisKey(template: string, parts: Record<string, string> = {}, prefix: string = KEY_PREFIX): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (name === "prefix") return prefix;
    const v = parts[name];
    if (v === undefined) throw new Error(`redis key ${template}: missing {${name}}`);
    return v;
  });
}

/** A runner silent this long counts as offline (console, reconciler, fail-over); heartbeats come every few seconds. */
export const RUNNER_OFFLINE_AFTER_MS = 30_000;

/** Which techniques train on which dataset formats. */
export const TECHNIQUE_FORMATS = FORMATS_FOR_TECHNIQUE;

/**
 * Row rules both sides check: the fields a row of each format must carry (non-empty), and for chat the roles
 * and the turn that must be present. The platform checks them at upload, the runner again when it reads the file.
 * A format whose rows come in several shapes lists none in `requiredFields` and each shape's in `requiredFieldsOneOf`:
 * a row carries every field of one of them (preference: TRL's chosen / rejected, with a prompt or with the prompt as
 * the messages both answers start with; OpenAI's input / preferred_output / non_preferred_output).
 */
export const ROW_RULES = {
  requiredFields: {
    chat: ["messages"],
    prompt_completion: ["prompt", "completion"],
    alpaca: ["instruction", "output"],
    text: ["text"],
    classification: ["text", "label"],
    preference: [],
  },
  requiredFieldsOneOf: {
    preference: [
      ["chosen", "rejected"],
      ["input", "preferred_output", "non_preferred_output"],
    ],
  },
  chatRoles: ["system", "user", "assistant"],
  chatMustHaveRole: "assistant",
  containers: ["jsonl", "csv", "tsv"],
} as const satisfies {
  requiredFields: Record<(typeof DATASET_FORMATS)[number], readonly string[]>;
  requiredFieldsOneOf: Partial<Record<(typeof DATASET_FORMATS)[number], readonly (readonly string[])[]>>;
  chatRoles: readonly string[];
  chatMustHaveRole: string;
  containers: readonly string[];
};

/** Kinds of artifact a job writes, and the folder under `artifacts/` each lives in (null: a file at the top). */
export const ARTIFACT_KINDS = {
  adapter: { dir: "adapter" },
  tokenizer: { dir: "tokenizer" },
  model: { dir: "model" },
  merged_model: { dir: "merged" },
  config: { dir: null },
  metrics: { dir: null },
  eval_report: { dir: null },
  /** The rows a `score` job picked (JSONL). */
  selection: { dir: null },
  /** An active-learning simulation's curves (JSON). */
  simulation_report: { dir: null },
  /** The new rows an `augment` job made (JSONL, the source's format, each with its provenance field). */
  augmented_rows: { dir: null },
} as const;
export type ArtifactKind = keyof typeof ARTIFACT_KINDS;
export const ARTIFACT_KIND_NAMES = Object.keys(ARTIFACT_KINDS) as [ArtifactKind, ...ArtifactKind[]];

/** Where a job's files live in blob storage; `{name}` parts are filled in like Redis keys. */
export const STORAGE_LAYOUT = {
  jobOutput: "jobs/{jobId}/",
  checkpoint: "{outputPrefix}checkpoints/step-{step}/",
  /** Written last into a checkpoint folder: a folder without it is incomplete and never resumed from. */
  checkpointComplete: "_COMPLETE",
  artifacts: "{outputPrefix}artifacts/",
  evaluationOutput: "evaluations/{evaluationId}/",
  /** The evaluation report (JSON, `reportVersion` 1) under an evaluation's output prefix. */
  evaluationReport: "{outputPrefix}report.json",
  /** Files of one active-learning round (`score`) or simulation (`simulate`). */
  activeLearningOutput: "active-learning/{projectId}/{runId}/",
  selection: "{outputPrefix}selection.jsonl",
  /** An `augment` job's new rows (artifact kind augmented_rows). */
  augmentedRows: "{outputPrefix}augmented.jsonl",
  simulationReport: "{outputPrefix}simulation.json",
} as const;

export function storageKey(template: string, parts: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = parts[name];
    if (v === undefined) throw new Error(`storage key ${template}: missing {${name}}`);
    return String(v);
  });
}

/** Everything above as one JSON document for the runner (packages/queue/schema/contract.json). */
export function contractDocument() {
  return {
    title: "Whetstone queue contract",
    description: "Generated from packages/queue/src/contract.ts by `npm run queue:schema`. Do not edit.",
    version: 1,
    keyPrefix: KEY_PREFIX,
    bullPrefix: BULL_PREFIX,
    queues: QUEUES,
    jobKinds: JOB_KINDS,
    redisKeys: REDIS_KEYS,
    runnerOfflineAfterMs: RUNNER_OFFLINE_AFTER_MS,
    techniques: Object.fromEntries(TECHNIQUES.map((t) => [t, { formats: TECHNIQUE_FORMATS[t] }])),
    datasetFormats: DATASET_FORMATS,
    rowRules: ROW_RULES,
    artifactKinds: ARTIFACT_KINDS,
    storageLayout: STORAGE_LAYOUT,
    selectionStrategies: SELECTION_STRATEGIES,
    augmentation: { provenanceField: PROVENANCE_FIELD, formats: AUGMENTABLE_FORMATS },
  };
}
