import { z } from "zod";

/** Techniques a job can run. Transfer learning is a base model whose source is an earlier job's artifact;
 *  multi-task learning is a job with several dataset versions mixed by weight. `preference` is preference tuning
 *  on prompt / chosen / rejected pairs with DPO (TRL's DPOTrainer; OpenAI's `method.type: "dpo"`): named after the
 *  task and its data, like the others, rather than after the loss. */
export const TECHNIQUES = ["sft", "continued_pretraining", "classification", "preference"] as const;
export const techniqueSchema = z.enum(TECHNIQUES);
export type Technique = z.infer<typeof techniqueSchema>;

export const METHODS = ["lora", "qlora", "full"] as const;
export const methodSchema = z.enum(METHODS);
export type Method = z.infer<typeof methodSchema>;

export const TECHNIQUE_LABELS: Record<Technique, string> = {
  sft: "Supervised fine-tuning",
  continued_pretraining: "Continued pre-training",
  classification: "Classification",
  preference: "Preference tuning (DPO)",
};
export const METHOD_LABELS: Record<Method, string> = {
  lora: "LoRA",
  qlora: "QLoRA (CUDA only)",
  full: "Full fine-tuning",
};

export const gradientCheckpointingSchema = z.union([z.literal("auto"), z.boolean()]);
export type GradientCheckpointingChoice = z.infer<typeof gradientCheckpointingSchema>;

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
   * Gradient (activation) checkpointing: keep only each layer's input and recompute the rest in the backward pass,
   * trading one more forward pass (slower) for far less activation memory. "auto": off when the job fits the GPU
   * without it (the faster setting), on when it fits only with it; the platform resolves "auto" to a boolean when
   * the job is created (`resolveGradientCheckpointing`, from the estimate), so the runner always gets true or false.
   */
  gradientCheckpointing: gradientCheckpointingSchema.default("auto"),
  /**
   * NEFTune (Jain et al., 2023): uniform noise of this scale added to the input embeddings while training, through
   * the trainer's own `neftune_noise_alpha`; helps small instruction datasets. null = off; the paper uses 5–15.
   */
  neftuneNoiseAlpha: z.number().gt(0).max(50).nullable().default(null),
  /**
   * Preference tuning only (see TECHNIQUE_HYPERPARAMETERS): DPO's β, how far the model may move from the reference
   * (the model before tuning); higher keeps it closer. The paper and TRL use 0.1; 0.01–0.5 is the usual range.
   */
  beta: z.number().gt(0).max(10).optional(),
});
export type Hyperparameters = z.infer<typeof hyperparametersSchema>;
export type HyperparametersInput = z.input<typeof hyperparametersSchema>;
export const DEFAULT_HYPERPARAMETERS: Hyperparameters = hyperparametersSchema.parse({});

/**
 * Hyperparameters that belong to one technique, with their defaults. The others in `hyperparametersSchema` shape every
 * training loop; these are options of one technique only: a job of that technique gets the default when it leaves one
 * out (`resolveTechniqueHyperparameters`), and a job of any other technique that sets one is refused naming it — a
 * `beta` on a supervised job is a mistake, not a no-op.
 */
export const TECHNIQUE_HYPERPARAMETERS = {
  preference: { beta: 0.1 },
} as const satisfies Partial<Record<Technique, Partial<Hyperparameters>>>;
type TechniqueHyperparameterKey = {
  [T in keyof typeof TECHNIQUE_HYPERPARAMETERS]: keyof (typeof TECHNIQUE_HYPERPARAMETERS)[T];
}[keyof typeof TECHNIQUE_HYPERPARAMETERS];

/** The technique a technique-specific hyperparameter belongs to, or null for the general ones. */
export function techniqueOfHyperparameter(key: string): Technique | null {
  for (const [technique, options] of Object.entries(TECHNIQUE_HYPERPARAMETERS)) {
    if (key in options) return technique as Technique;
  }
  return null;
}

/** The default of a hyperparameter: the general default, else the default of the technique that owns it. */
export function defaultHyperparameter<K extends keyof Hyperparameters>(key: K): Hyperparameters[K] {
  const owner = techniqueOfHyperparameter(key);
  if (owner === null) return DEFAULT_HYPERPARAMETERS[key];
  return (TECHNIQUE_HYPERPARAMETERS as Record<string, Record<string, unknown>>)[owner]![key] as Hyperparameters[K];
}

/** Hyperparameters with the technique's own options filled in with their defaults where they were left out. */
export function resolveTechniqueHyperparameters<H extends Partial<Hyperparameters>>(technique: Technique, hp: H): H {
  const own = (TECHNIQUE_HYPERPARAMETERS as Partial<Record<Technique, Partial<Hyperparameters>>>)[technique];
  if (!own) return hp;
  const out: Record<string, unknown> = { ...hp };
  for (const [k, v] of Object.entries(own)) if (out[k] === undefined || out[k] === null) out[k] = v;
  return out as H;
}

/** The issues of technique-specific hyperparameters set on a job of another technique (path from the spec). */
export function techniqueHyperparameterIssues(
  technique: Technique,
  hp: Partial<Record<string, unknown>>,
): { path: string[]; message: string }[] {
  const issues: { path: string[]; message: string }[] = [];
  for (const [owner, options] of Object.entries(TECHNIQUE_HYPERPARAMETERS)) {
    if (owner === technique) continue;
    for (const key of Object.keys(options) as TechniqueHyperparameterKey[]) {
      if (hp[key] === undefined || hp[key] === null) continue;
      issues.push({
        path: ["hyperparameters", key],
        message:
          `${key} is a hyperparameter of ${TECHNIQUE_LABELS[owner as Technique]} only; ` +
          `a ${TECHNIQUE_LABELS[technique]} job does not use it (leave it out, or choose technique "${owner}")`,
      });
    }
  }
  return issues;
}

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
    /** An explicit validation set (a dataset version of the team, in a format the technique reads): all of it is
     *  validated on, and no validationSplit is held out of the training data. Left out: the split. */
    validationDatasetVersionId: z.string().min(1).optional(),
    hyperparameters: hyperparametersSchema.default(DEFAULT_HYPERPARAMETERS),
    /** Higher runs first within the team's own queue. */
    priority: z.number().int().min(0).max(10).default(5),
    /** GPUs to train on, one process each (decision 0014); `hyperparameters.batchSize` stays the global batch and must
     *  split evenly over them. Quotas and GPU-hours count every GPU. */
    gpuCount: z.number().int().min(1).max(64).default(1),
    /** Train although a readiness check blocks the data: why (kept in the audit log). */
    readinessOverride: z
      .object({ reason: z.string().trim().min(10, "give a reason of at least 10 characters").max(1000) })
      .optional(),
    /** Classification: the declared label set, in order (the head gets exactly these classes, also those the data
     *  does not hold yet); left out: the distinct labels of the data. */
    labels: z.array(z.string().trim().min(1).max(200)).min(2).max(1000).optional(),
  })
  .superRefine((spec, ctx) => {
    for (const issue of techniqueHyperparameterIssues(spec.technique, spec.hyperparameters)) {
      ctx.addIssue({ code: "custom", ...issue });
    }
    if (spec.labels && spec.technique !== "classification") {
      ctx.addIssue({ code: "custom", path: ["labels"], message: "labels are declared for classification only" });
    }
    if (spec.labels && new Set(spec.labels).size !== spec.labels.length) {
      ctx.addIssue({ code: "custom", path: ["labels"], message: "each label may appear once" });
    }
    const batchSize = spec.hyperparameters.batchSize;
    if (batchSize !== undefined && batchSize % spec.gpuCount !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["hyperparameters", "batchSize"],
        message: `batchSize ${batchSize} does not split over ${spec.gpuCount} GPUs (each takes an equal share of the batch): use a multiple of ${spec.gpuCount}`,
      });
    }
    const ids = spec.datasets.map((d) => d.datasetVersionId);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: "custom", path: ["datasets"], message: "each dataset version may appear once in a mix" });
    }
    if (spec.validationDatasetVersionId && ids.includes(spec.validationDatasetVersionId)) {
      ctx.addIssue({
        code: "custom",
        path: ["validationDatasetVersionId"],
        message: "the validation set is one of the training datasets: validating on training data measures nothing",
      });
    }
  });
export type JobSpec = z.infer<typeof jobSpecSchema>;
export type JobSpecInput = z.input<typeof jobSpecSchema>;
