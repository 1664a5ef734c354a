import { z } from "zod";

/** Techniques a job can run. Transfer learning is a base model whose source is an earlier job's artifact;
 *  multi-task learning is a job with several dataset versions mixed by weight. */
export const TECHNIQUES = ["sft", "continued_pretraining", "classification"] as const;
export const techniqueSchema = z.enum(TECHNIQUES);
export type Technique = z.infer<typeof techniqueSchema>;

export const METHODS = ["lora", "qlora", "full"] as const;
export const methodSchema = z.enum(METHODS);
export type Method = z.infer<typeof methodSchema>;

export const TECHNIQUE_LABELS: Record<Technique, string> = {
  sft: "Supervised fine-tuning",
  continued_pretraining: "Continued pre-training",
  classification: "Classification",
};
export const METHOD_LABELS: Record<Method, string> = {
  lora: "LoRA",
  qlora: "QLoRA (CUDA only)",
  full: "Full fine-tuning",
};

/** Hyperparameters with the defaults a user gets when the form is left alone. */
export const hyperparametersSchema = z.object({
  epochs: z.number().int().min(1).max(100).default(3),
  learningRate: z.number().gt(0).max(1).default(2e-4),
  batchSize: z.number().int().min(1).max(1024).default(8),
  gradientAccumulationSteps: z.number().int().min(1).max(1024).default(1),
  maxSeqLength: z.number().int().min(16).max(131072).default(1024),
  warmupRatio: z.number().min(0).max(0.5).default(0.03),
  weightDecay: z.number().min(0).max(1).default(0),
  loraR: z.number().int().min(1).max(1024).default(16),
  loraAlpha: z.number().int().min(1).max(4096).default(32),
  loraDropout: z.number().min(0).max(0.9).default(0.05),
  /** Fraction of every dataset held out for validation. */
  validationSplit: z.number().gt(0).max(0.5).default(0.1),
  /** Fraction of every dataset held out as the test split the automatic evaluation against the base uses; carved
   *  before the validation split and never trained on (decision 0007). 0 turns the automatic evaluation off. */
  testSplit: z.number().min(0).max(0.5).default(0.1),
  /** Evaluations without improvement of validation loss before stopping; 0 turns early stopping off. */
  earlyStoppingPatience: z.number().int().min(0).max(100).default(3),
  evalEverySteps: z.number().int().min(1).max(1_000_000).default(50),
  checkpointEverySteps: z.number().int().min(1).max(1_000_000).default(100),
  logEverySteps: z.number().int().min(1).max(1_000_000).default(10),
  /** Stop after this many optimizer steps even if epochs remain (quick trials, demos). */
  maxSteps: z.number().int().min(1).max(10_000_000).nullable().default(null),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
  /** Pack several short texts into one sequence (continued pre-training; other techniques ignore it). */
  packing: z.boolean().default(true),
  /** Also save the adapter merged into the base weights. */
  mergeWeights: z.boolean().default(false),
  /**
   * NEFTune (Jain et al., 2023): uniform noise of this scale added to the input embeddings while training, through
   * the trainer's own `neftune_noise_alpha`; helps small instruction datasets. null = off; the paper uses 5–15.
   */
  neftuneNoiseAlpha: z.number().gt(0).max(50).nullable().default(null),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;
export type HyperparametersInput = z.input<typeof hyperparametersSchema>;
export const DEFAULT_HYPERPARAMETERS: Hyperparameters = hyperparametersSchema.parse({});

export const datasetMixEntrySchema = z.object({
  datasetVersionId: z.string().min(1),
  /** Relative sampling weight of this dataset in a multi-task mix. */
  weight: z.number().gt(0).max(1000).default(1),
});

/** The job spec: one schema for the form, tRPC, REST and (resolved) the queue payload. */
export const jobSpecSchema = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    baseModelId: z.string().min(1),
    technique: techniqueSchema,
    method: methodSchema.default("lora"),
    datasets: z.array(datasetMixEntrySchema).min(1).max(16),
    hyperparameters: hyperparametersSchema.default(DEFAULT_HYPERPARAMETERS),
    /** Higher runs first within the team's own queue. */
    priority: z.number().int().min(0).max(10).default(5),
    /** Train although a readiness check blocks the data: why (kept in the audit log). */
    readinessOverride: z
      .object({ reason: z.string().trim().min(10, "give a reason of at least 10 characters").max(1000) })
      .optional(),
    /** Classification: the declared label set, in order (the head gets exactly these classes, also those the data
     *  does not hold yet); left out: the distinct labels of the data. */
    labels: z.array(z.string().trim().min(1).max(200)).min(2).max(1000).optional(),
  })
  .superRefine((spec, ctx) => {
    if (spec.labels && spec.technique !== "classification") {
      ctx.addIssue({ code: "custom", path: ["labels"], message: "labels are declared for classification only" });
    }
    if (spec.labels && new Set(spec.labels).size !== spec.labels.length) {
      ctx.addIssue({ code: "custom", path: ["labels"], message: "each label may appear once" });
    }
    const ids = spec.datasets.map((d) => d.datasetVersionId);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: "custom", path: ["datasets"], message: "each dataset version may appear once in a mix" });
    }
  });
export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;
