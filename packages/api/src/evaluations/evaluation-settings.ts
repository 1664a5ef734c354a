/** The knobs of an evaluation stored in `Evaluation.settings`, with the queue contract's defaults. */
import { evaluationJobPayloadSchema } from "@whetstone/queue";
import type { z } from "zod";

export const evaluationSettingsSchema = evaluationJobPayloadSchema.pick({
  maxExamples: true,
  maxSeqLength: true,
  maxNewTokens: true,
  bootstrapResamples: true,
});
export type EvaluationSettings = z.infer<typeof evaluationSettingsSchema>;

/** Settings read back from the database (defaults filled in for any key an older row lacks). */
export function readEvaluationSettings(json: unknown): EvaluationSettings {
  const parsed = evaluationSettingsSchema.safeParse(json ?? {});
  return parsed.success ? parsed.data : evaluationSettingsSchema.parse({});
}
