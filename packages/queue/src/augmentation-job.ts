import { z } from "zod";
import { evaluatedModelSchema } from "./evaluation-job";
import { payloadDatasetSchema } from "./training-job";

/**
 * How an `augment` job makes rows. `perturb`: light text perturbations of a classification row's text (word dropout,
 * swaps of neighbouring words) — cheap, no model. `generate`: a model writes new examples from seed rows — a paraphrased
 * question (the answer kept) for supervised fine-tuning data, a new text for the row's label for classification.
 */
export const AUGMENTATION_METHODS = ["perturb", "generate"] as const;
export const augmentationMethodSchema = z.enum(AUGMENTATION_METHODS);
export type AugmentationMethod = z.infer<typeof augmentationMethodSchema>;

/** The dataset formats each method can augment; any other is refused before the job is queued. */
export const AUGMENTABLE_FORMATS = {
  perturb: ["classification"],
  generate: ["chat", "prompt_completion", "alpaca", "classification"],
} as const satisfies Record<AugmentationMethod, readonly string[]>;

/**
 * The field every generated row carries, so its origin is never lost and the trainer keeps it out of the validation
 * and test splits: `{"augmentation": {"sourceLine", "method", "model"}}` — the 1-based line of the seed row in the
 * source file, the way it was made (`word_dropout`, `word_swap`, `paraphrase`, `new_text_for_label`), and the model
 * that wrote it (null for perturbations).
 */
export const PROVENANCE_FIELD = "augmentation";
export const augmentationProvenanceSchema = z.object({
  sourceLine: z.number().int().min(1),
  method: z.enum(["word_dropout", "word_swap", "paraphrase", "new_text_for_label"]),
  model: z.string().nullable(),
});
export type AugmentationProvenance = z.infer<typeof augmentationProvenanceSchema>;

/** A model of the team run by the runner, or an OpenAI-compatible endpoint an admin configured. */
export const augmentationGeneratorSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("model"), model: evaluatedModelSchema }),
  z.object({
    type: z.literal("endpoint"),
    /** Base URL of an OpenAI-compatible API (…/v1); the runner POSTs to `{baseUrl}/chat/completions`. */
    baseUrl: z.url(),
    model: z.string().min(1),
    /** Name of the runner's environment variable that holds the API key (a key kept on the runner's host). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .nullable()
      .default(null),
    /**
     * The API key an instance admin configured (stored encrypted, decrypted only to build this payload; the job is
     * kept in Redis for an hour after it finishes, not days). Never logged. Null: none, or `apiKeyEnv`.
     */
    apiKey: z.string().min(1).max(4096).nullable().default(null),
  }),
]);

/**
 * Data of an `augment` job: on queue `training` (job name `dataset.augment`, BullMQ job id = the augmentation's id).
 * The runner reads `source`, makes up to `perRow` rows from each seed row until `targetRows`, and writes them — only the
 * new rows, in the source's format, each with its provenance field — as JSONL to `augmented_rows` under `outputPrefix`.
 * Seeds are the source rows outside the test and validation splits a job with `holdOut` would carve, so a generated
 * row is never a paraphrase of a held-out one. The platform then makes the new dataset version (source rows + new
 * rows, near duplicates of existing rows dropped). Progress: metric events `rows_done` and `rows_total`.
 */
export const augmentationJobPayloadSchema = z
  .object({
    kind: z.literal("augment"),
    schemaVersion: z.literal(1),
    /** The augmentation's id (events about it carry it as `jobId`, with `kind` "augment"). */
    jobId: z.string().min(1),
    teamId: z.string().min(1),
    source: payloadDatasetSchema,
    method: augmentationMethodSchema,
    /** New rows to make at most. */
    targetRows: z.number().int().min(1).max(100_000),
    /** New rows per seed row at most. */
    perRow: z.number().int().min(1).max(10).default(2),
    perturbation: z
      .object({
        /** Share of words dropped from a text (at least one word is kept). */
        wordDropout: z.number().min(0).max(0.5).default(0.1),
        /** Swaps of two neighbouring words per text. */
        swaps: z.number().int().min(0).max(10).default(1),
      })
      .default({ wordDropout: 0.1, swaps: 1 }),
    /** `generate` only: who writes the rows. */
    generator: augmentationGeneratorSchema.nullable().default(null),
    maxNewTokens: z.number().int().min(8).max(2048).default(128),
    temperature: z.number().min(0).max(2).default(0.8),
    /** Seed rows exclude what a training job with these splits and seed would hold out (data.carve_test, split). */
    holdOut: z
      .object({ testSplit: z.number().min(0).max(0.5), validationSplit: z.number().min(0).max(0.5) })
      .default({ testSplit: 0.1, validationSplit: 0.1 }),
    seed: z.number().int().min(0).default(42),
    /** Storage prefix of the augmentation's files. Ends with "/". */
    outputPrefix: z.string().regex(/\/$/),
    requiredVramMb: z.number().int().min(0).default(0),
  })
  .superRefine((p, ctx) => {
    const allowed: readonly string[] = AUGMENTABLE_FORMATS[p.method];
    if (!allowed.includes(p.source.format)) {
      ctx.addIssue({
        code: "custom",
        path: ["source", "format"],
        message: `method "${p.method}" cannot augment "${p.source.format}" data (it augments ${allowed.join(", ")})`,
      });
    }
    if (p.method === "generate" && !p.generator) {
      ctx.addIssue({ code: "custom", path: ["generator"], message: 'method "generate" needs a generator' });
    }
  });
export type AugmentationJobPayload = z.infer<typeof augmentationJobPayloadSchema>;
export type AugmentationJobPayloadInput = z.input<typeof augmentationJobPayloadSchema>;
