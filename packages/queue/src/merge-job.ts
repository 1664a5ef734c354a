import { z } from "zod";
import { baseModelRefSchema } from "./training-job";

/**
 * Data of a `merge` job: on queue `training` (job name `training.merge`, BullMQ job id = `merge_` + the fine-tuning
 * job's id). Merged weights on request for a finished PEFT (LoRA/QLoRA) job that was trained without `mergeWeights`
 * (decision 0013). The runner loads `baseModel` in full precision, puts the job's LoRA adapter (under `adapter`) on it,
 * merges it in (`merge_and_unload`) and writes the merged safetensors, the tokenizer and the model card as
 * `merged_model` artifacts under `{outputPrefix}artifacts/merged_model/`, the same place a train job with
 * `mergeWeights` writes them. Events carry `kind` "merge" and as `jobId` the BullMQ job id (`merge_<jobId>`: the
 * agent's state events) or the fine-tuning job's id (the handler's own lines); the platform reads both. `succeeded` lists
 * the new artifacts (size and sha256). Refused (final): an adapter that is not LoRA, or a classification adapter whose
 * head does not fit its labels.
 */
export const mergeJobPayloadSchema = z.object({
  kind: z.literal("merge"),
  schemaVersion: z.literal(1),
  /** The fine-tuning job whose adapter is merged. */
  jobId: z.string().min(1),
  teamId: z.string().min(1),
  /** The job's base model, with its lineage (an earlier job's merged output loads from its own parent chain). */
  baseModel: baseModelRefSchema,
  /** Storage prefix of the job's artifacts (`{outputPrefix}artifacts/`): `adapter/`, `tokenizer/`, `config.json` under it. */
  adapter: z.string().regex(/\/$/),
  /** The job's output prefix; the merged weights go under its `artifacts/merged_model/`. Ends with "/". */
  outputPrefix: z.string().regex(/\/$/),
  requiredVramMb: z.number().int().min(0).default(0),
});
export type MergeJobPayload = z.infer<typeof mergeJobPayloadSchema>;
export type MergeJobPayloadInput = z.input<typeof mergeJobPayloadSchema>;
