import { z } from "zod";
import { evaluatedModelSchema } from "./evaluation-job";
import { payloadDatasetSchema } from "./training-job";

/** What an active-learning project fine-tunes for: a label per text, or an answer per prompt. */
export const activeLearningTaskSchema = z.enum(["classification", "sft"]);
export type ActiveLearningTask = z.infer<typeof activeLearningTaskSchema>;

/**
 * How a `score` job picks the next rows. Classification: `margin` (default; smallest gap between the two likeliest
 * labels), `least_confidence`, `entropy`, `margin_diverse` (margin shortlist, then k-centre greedy on the model's
 * embeddings so one batch is not ten near-copies). Generation: `token_entropy` (default; mean entropy of the model's
 * next-token distribution over its own greedy answer), `log_likelihood` (lowest length-normalised log-likelihood of
 * that answer), `token_entropy_diverse`. Both: `kcenter` (diversity alone, k-centre greedy on embeddings: the first
 * batch when nothing is labelled yet) and `random` (the honest control).
 */
export const SELECTION_STRATEGIES = {
  classification: ["margin", "least_confidence", "entropy", "margin_diverse", "kcenter", "random"],
  sft: ["token_entropy", "log_likelihood", "token_entropy_diverse", "kcenter", "random"],
} as const;
export const DEFAULT_STRATEGY = { classification: "margin", sft: "token_entropy" } as const;
export const ALL_STRATEGIES = [
  "margin",
  "least_confidence",
  "entropy",
  "margin_diverse",
  "token_entropy",
  "log_likelihood",
  "token_entropy_diverse",
  "kcenter",
  "random",
] as const satisfies readonly (typeof SELECTION_STRATEGIES)[ActiveLearningTask][number][];
export const selectionStrategySchema = z.enum(ALL_STRATEGIES);
export type SelectionStrategy = z.infer<typeof selectionStrategySchema>;

/**
 * Data of a `score` job: on queue `training` (job name `active-learning.score`, BullMQ job id = the round's id). The
 * runner runs `model` over the pool (format `text`: the text to label, or the prompt to answer), skips `excludeRows`,
 * and writes the picked rows, best first, as JSONL to `selection` under `outputPrefix`: one line per row,
 * `{"row", "text", "score", "rank", "prediction", "reason"}` where `row` is the 0-based row index in the pool file,
 * `score` is higher = more worth labelling, `prediction` is `{"label", "confidence", "probabilities"}`
 * (classification) or `{"answer"}` (sft), and `reason` one plain sentence. Progress: metric events `rows_done` and
 * `rows_total`. Resumable: a retry continues from the scores it had saved under `outputPrefix`.
 */
export const scoreJobPayloadSchema = z.object({
  kind: z.literal("score"),
  schemaVersion: z.literal(1),
  /** The round's id (events about it carry it as `jobId`, with `kind` "score"). */
  jobId: z.string().min(1),
  teamId: z.string().min(1),
  task: activeLearningTaskSchema,
  /** Classification: the declared label set, in the order of the project. Empty for sft. */
  labels: z.array(z.string().min(1).max(200)).max(1000),
  /** The model that scores: the project's base (zero-shot label likelihood for classification) or a round's fine-tune. */
  model: evaluatedModelSchema,
  pool: payloadDatasetSchema,
  /** Pool rows already picked or labelled in earlier rounds: never picked again. */
  excludeRows: z.array(z.number().int().min(0)).max(1_000_000),
  strategy: selectionStrategySchema,
  /** How many rows to pick (k). */
  batchSize: z.number().int().min(1).max(1000),
  /** At most this many pool rows are scored (a seeded sample when the pool is larger); null: every row. */
  maxCandidates: z.number().int().min(1).nullable().default(null),
  maxSeqLength: z.number().int().min(16).max(131_072).default(512),
  /** Generation: length of the model's answer that is scored and shown as the suggestion. */
  maxNewTokens: z.number().int().min(1).max(4096).default(64),
  seed: z.number().int().min(0).default(42),
  /** Storage prefix of the round's files. Ends with "/". */
  outputPrefix: z.string().regex(/\/$/),
  requiredVramMb: z.number().int().min(0).default(0),
});
export type ScoreJobPayload = z.infer<typeof scoreJobPayloadSchema>;
export type ScoreJobPayloadInput = z.input<typeof scoreJobPayloadSchema>;

/** One picked row of a `score` job's selection file. */
export const selectionRowSchema = z.object({
  row: z.number().int().min(0),
  text: z.string(),
  score: z.number(),
  rank: z.number().int().min(1),
  prediction: z.union([
    z.object({
      label: z.string(),
      confidence: z.number().min(0).max(1),
      probabilities: z.record(z.string(), z.number().min(0).max(1)),
    }),
    z.object({ answer: z.string() }),
  ]),
  reason: z.string(),
});
export type SelectionRow = z.infer<typeof selectionRowSchema>;

/**
 * Data of a `simulate` job: on queue `training` (job name `active-learning.simulate`, BullMQ job id = the simulation's
 * id). "Would active learning pay off on my data?": the runner hides the labels of a labelled classification dataset,
 * holds out `heldOutFraction` of it as the fixed test set, and for every seed runs `rounds` rounds of the loop for each
 * strategy and for `random`, revealing `batchSize` labels a round as an oracle would. The learner is a logistic
 * regression on the frozen `model`'s mean-pooled embeddings (computed once; a fast stand-in for fine-tuning, named as
 * such in the report). Writes `simulationReport` (JSON, `reportVersion` 1): per strategy, the accuracy and macro-F1
 * against the number of labels, mean and standard deviation over seeds, and the labels each strategy needed to reach
 * the accuracy random sampling reached with its full budget. Progress: metric events `steps_done` / `steps_total`.
 */
export const simulationJobPayloadSchema = z.object({
  kind: z.literal("simulate"),
  schemaVersion: z.literal(1),
  jobId: z.string().min(1),
  teamId: z.string().min(1),
  model: evaluatedModelSchema,
  dataset: payloadDatasetSchema,
  labels: z.array(z.string().min(1).max(200)).min(2).max(1000),
  /** Strategies compared with `random` (which is always run). */
  strategies: z.array(selectionStrategySchema).min(1).max(6),
  initialSize: z.number().int().min(1).max(10_000).default(20),
  batchSize: z.number().int().min(1).max(1000).default(20),
  rounds: z.number().int().min(1).max(50).default(10),
  seeds: z.number().int().min(1).max(10).default(3),
  heldOutFraction: z.number().gt(0).max(0.5).default(0.2),
  maxSeqLength: z.number().int().min(16).max(131_072).default(256),
  seed: z.number().int().min(0).default(42),
  outputPrefix: z.string().regex(/\/$/),
  requiredVramMb: z.number().int().min(0).default(0),
});
export type SimulationJobPayload = z.infer<typeof simulationJobPayloadSchema>;
export type SimulationJobPayloadInput = z.input<typeof simulationJobPayloadSchema>;

/** The simulation report (`reportVersion` 1) a `simulate` job writes. */
export const simulationReportSchema = z.object({
  reportVersion: z.literal(1),
  learner: z.string(),
  metric: z.literal("accuracy"),
  labels: z.array(z.string()),
  poolSize: z.number().int(),
  heldOutSize: z.number().int(),
  seeds: z.number().int(),
  curves: z.array(
    z.object({
      strategy: z.string(),
      points: z.array(
        z.object({
          labels: z.number().int(),
          accuracy: z.object({ mean: z.number(), std: z.number(), values: z.array(z.number()) }),
          f1Macro: z.object({ mean: z.number(), std: z.number(), values: z.array(z.number()) }),
        }),
      ),
    }),
  ),
  /** Random's accuracy at its full budget, and for each strategy the labels it needed to reach it (null: never). */
  target: z.object({ accuracy: z.number(), labels: z.number().int() }),
  labelsToTarget: z.record(
    z.string(),
    z.object({ mean: z.number().nullable(), std: z.number().nullable(), values: z.array(z.number().nullable()) }),
  ),
});
export type SimulationReport = z.infer<typeof simulationReportSchema>;
