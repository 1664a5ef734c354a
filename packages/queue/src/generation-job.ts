import { z } from "zod";
import { baseModelRefSchema } from "./training-job";

export const chatMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().max(200_000),
});

/** Sampling settings; temperature 0 is greedy decoding. */
export const samplingSchema = z.object({
  temperature: z.number().min(0).max(2).default(0.7),
  topP: z.number().gt(0).max(1).default(0.95),
  maxNewTokens: z.number().int().min(1).max(4096).default(256),
  seed: z.number().int().min(0).nullable().default(null),
});

/**
 * Data of a `generate` job: on queue `inference` (job name `inference.generate`, BullMQ job id = request id). The
 * runner writes the tokens as they come to the Redis stream `generationStream` of the contract, then one `done` entry.
 */
export const generationJobPayloadSchema = z.object({
  kind: z.literal("generate"),
  schemaVersion: z.literal(1),
  /** The request's id: names the token stream. */
  jobId: z.string().min(1),
  teamId: z.string().min(1),
  model: z.object({ modelId: z.string().min(1), label: z.string().min(1), ref: baseModelRefSchema }),
  /** A classification model answers with its label probabilities instead of tokens. */
  task: z.enum(["chat", "classify"]).default("chat"),
  messages: z.array(chatMessageSchema).min(1).max(200),
  sampling: samplingSchema.default(samplingSchema.parse({})),
  /** The request is dropped, not run, when a runner takes it after this time (the caller has gone). */
  expiresAt: z.iso.datetime({ offset: true }),
});
export type GenerationJobPayload = z.infer<typeof generationJobPayloadSchema>;
export type GenerationJobPayloadInput = z.input<typeof generationJobPayloadSchema>;
