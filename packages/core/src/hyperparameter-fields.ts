import type { Hyperparameters, Method, Technique } from "./job-spec";

/**
 * How each hyperparameter is shown: its label, help text and unit, whether it sits behind the job form's
 * "Advanced" toggle, and which methods and techniques use it. The job form and the job page both read this;
 * the values and their bounds stay in hyperparametersSchema (job-spec.ts). A new hyperparameter is one schema
 * field plus one entry here — the mapped type below makes a missing or renamed entry a compile error.
 */
interface FieldBase {
  /** The job form's label. */
  label: string;
  /** The job page's label, where it is shorter than the form's. */
  shortLabel?: string;
  /** Only these methods use it (default: every method). */
  methods?: readonly Method[];
  /** Only these techniques use it (default: every technique). */
  techniques?: readonly Technique[];
}
export interface NumberHyperparameterField extends FieldBase {
  kind: "number";
  /** Shown under the input, e.g. "0 = off". */
  help?: string;
  unit?: string;
  /** Any real number, not only integers. */
  decimal?: true;
  /** Behind the job form's "Advanced" toggle. */
  advanced?: true;
}
export interface BooleanHyperparameterField extends FieldBase {
  kind: "boolean";
  /** A checkbox always explains itself. */
  help: string;
}
/** One of a few values (a switch with an "auto" setting): the job form shows it where it explains the choice. */
export interface ChoiceHyperparameterField extends FieldBase {
  kind: "choice";
  help: string;
  options: readonly { value: string | boolean; label: string }[];
}

type HyperparameterKey = keyof Hyperparameters;
type FieldFor<K extends HyperparameterKey> = Hyperparameters[K] extends boolean
  ? BooleanHyperparameterField
  : Hyperparameters[K] extends number | null | undefined
    ? NumberHyperparameterField
    : ChoiceHyperparameterField;

/** In the order both the form and the job page list them (the schema's). */
export const HYPERPARAMETER_FIELDS: { readonly [K in HyperparameterKey]: FieldFor<K> } = {
  epochs: { kind: "number", label: "Epochs" },
  learningRate: { kind: "number", label: "Learning rate", decimal: true },
  batchSize: { kind: "number", label: "Batch size" },
  gradientAccumulationSteps: {
    kind: "number",
    label: "Gradient accumulation",
    shortLabel: "Grad. accumulation",
    advanced: true,
  },
  maxSeqLength: { kind: "number", label: "Max sequence length", unit: "tokens" },
  warmupRatio: { kind: "number", label: "Warm-up ratio", decimal: true, advanced: true },
  weightDecay: { kind: "number", label: "Weight decay", decimal: true, advanced: true },
  loraR: { kind: "number", label: "LoRA rank (r)", shortLabel: "LoRA r", advanced: true, methods: ["lora", "qlora"] },
  loraAlpha: { kind: "number", label: "LoRA alpha", advanced: true, methods: ["lora", "qlora"] },
  loraDropout: { kind: "number", label: "LoRA dropout", decimal: true, advanced: true, methods: ["lora", "qlora"] },
  validationSplit: { kind: "number", label: "Validation split", help: "share held out", decimal: true, advanced: true },
  testSplit: {
    kind: "number",
    label: "Test split",
    help: "held out to evaluate against the base; 0 = no evaluation",
    decimal: true,
    advanced: true,
  },
  earlyStoppingPatience: { kind: "number", label: "Early-stopping patience", help: "0 = off", advanced: true },
  evalEverySteps: { kind: "number", label: "Evaluate every (steps)", shortLabel: "Eval every", advanced: true },
  checkpointEverySteps: {
    kind: "number",
    label: "Checkpoint every (steps)",
    shortLabel: "Checkpoint every",
    advanced: true,
  },
  logEverySteps: { kind: "number", label: "Log every (steps)", shortLabel: "Log every", advanced: true },
  maxSteps: { kind: "number", label: "Max steps", help: "empty = all epochs", advanced: true },
  seed: { kind: "number", label: "Seed", advanced: true },
  packing: {
    kind: "boolean",
    label: "Pack sequences",
    shortLabel: "Packing",
    help: "Several texts share one sequence, each kept apart (its own positions, no attention to the others): pre-training fills full blocks; fine-tuning packs short rows together instead of padding them (not with NEFTune).",
    techniques: ["continued_pretraining", "sft"],
  },
  mergeWeights: {
    kind: "boolean",
    label: "Also save merged weights",
    shortLabel: "Merge weights",
    help: "Adapter merged into the base, ready to serve.",
  },
  gradientCheckpointing: {
    kind: "choice",
    label: "Gradient checkpointing",
    shortLabel: "Grad. checkpointing",
    help: "Recompute activations in the backward pass: far less GPU memory, one more forward pass per step (slower). Auto: on only when the job would not fit the GPU without it.",
    options: [
      { value: "auto", label: "Auto" },
      { value: true, label: "On" },
      { value: false, label: "Off" },
    ],
  },
  neftuneNoiseAlpha: {
    kind: "number",
    label: "NEFTune noise (alpha)",
    shortLabel: "NEFTune alpha",
    help: "noisy embeddings for small datasets; empty = off, 5 is typical",
    decimal: true,
    advanced: true,
    techniques: ["sft"],
  },
  beta: {
    kind: "number",
    label: "DPO beta (β)",
    shortLabel: "Beta",
    help: "how far from the starting model; higher stays closer, 0.1 is typical",
    decimal: true,
    techniques: ["preference"],
  },
};

export type HyperparameterField =
  | (NumberHyperparameterField & { key: NumberHyperparameterKey })
  | (BooleanHyperparameterField & { key: BooleanHyperparameterKey })
  | (ChoiceHyperparameterField & { key: ChoiceHyperparameterKey });

/** Every field with its key, in display order. */
export const HYPERPARAMETER_FIELD_LIST = (Object.keys(HYPERPARAMETER_FIELDS) as HyperparameterKey[]).map(
  (key) => ({ key, ...HYPERPARAMETER_FIELDS[key] }) as HyperparameterField,
);
export const NUMBER_HYPERPARAMETER_FIELDS = HYPERPARAMETER_FIELD_LIST.filter(
  (f): f is Extract<HyperparameterField, { kind: "number" }> => f.kind === "number",
);
export const BOOLEAN_HYPERPARAMETER_FIELDS = HYPERPARAMETER_FIELD_LIST.filter(
  (f): f is Extract<HyperparameterField, { kind: "boolean" }> => f.kind === "boolean",
);

/** Whether a job with this method and technique uses the field (no technique chosen yet: only general fields). */
export function hyperparameterApplies(
  field: Pick<FieldBase, "methods" | "techniques">,
  job: { method: Method; technique: Technique | null },
): boolean {
  if (field.methods && !field.methods.includes(job.method)) return false;
  if (field.techniques && !(job.technique && field.techniques.includes(job.technique))) return false;
  return true;
}

/** The hyperparameters entered as numbers, those that are switches, and those chosen from a few values. */
export type NumberHyperparameterKey = {
  [K in HyperparameterKey]: FieldFor<K> extends NumberHyperparameterField ? K : never;
}[HyperparameterKey];
export type BooleanHyperparameterKey = {
  [K in HyperparameterKey]: FieldFor<K> extends BooleanHyperparameterField ? K : never;
}[HyperparameterKey];
export type ChoiceHyperparameterKey = Exclude<HyperparameterKey, NumberHyperparameterKey | BooleanHyperparameterKey>;
