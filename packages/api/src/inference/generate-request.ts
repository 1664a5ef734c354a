/**
 * What a caller sends to generate from a model (POST /api/v1/models/{id}/generate, the playground), and the entries
 * a runner writes to the request's Redis stream. Validated here, so the REST route and the dashboard answer the
 * same field errors.
 */
import { z } from "zod";
import { chatMessageSchema, samplingSchema } from "@whetstone/queue";
import { AppError } from "../errors";

export const generateRequestSchema = z.object({
  /** The conversation so far; the last message is usually the user's. */
  messages: z.array(chatMessageSchema).min(1, "at least one message is required").max(200),
  /** Put in front of the messages as a system message. */
  system: z.string().max(20_000).optional(),
  /** Default: `classify` for a model produced by a classification job, `chat` otherwise. */
  task: z.enum(["chat", "classify"]).optional(),
  sampling: samplingSchema.partial().default({}),
  /** true: answer with server-sent events as tokens come; false: wait and answer one JSON object. */
  stream: z.boolean().default(false),
});
export type GenerateRequest = z.infer<typeof generateRequestSchema>;
export type GenerateRequestInput = z.input<typeof generateRequestSchema>;

/** Parses a request body; a bad one is a 400 naming the first bad field (`sampling.temperature`, `messages`…). */
export function parseGenerateRequest(body: unknown): GenerateRequest {
  const parsed = generateRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length ? issue.path.join(".") : "body";
  throw new AppError("BAD_REQUEST", `${field}: ${issue.message}`, {
    field,
    issues: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
  });
}

/** One entry of a generation stream (field `data`, JSON), as the runner writes it. */
export const generationEntrySchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("start"), model: z.string(), runner: z.string() }),
  z.object({ type: z.literal("token"), text: z.string() }),
  z.object({ type: z.literal("probs"), labels: z.record(z.string(), z.number()) }),
  z.object({
    type: z.literal("done"),
    /** `cancelled`: the caller went away and cancelGeneration set the request's cancel key. */
    finishReason: z.enum(["stop", "length", "cancelled"]),
    usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() }),
    ttftMs: z.number().nullable(),
    tokensPerSecond: z.number().nullable(),
  }),
  z.object({ type: z.literal("error"), message: z.string() }),
]);
export type GenerationEntry = z.infer<typeof generationEntrySchema>;

/** The answer of a non-streamed request. */
export interface GenerationResult {
  text: string;
  finishReason: "stop" | "length" | "cancelled";
  usage: { promptTokens: number; completionTokens: number };
  probs: Record<string, number> | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  runner: string | null;
}
