/**
 * POST /v1/chat/completions against a fine-tuned (or base) model of the team, served by the runners' inference path
 * (packages/api/src/inference: the `inference` queue, the request's Redis stream). One JSON `chat.completion`, or
 * with `stream: true` server-sent `chat.completion.chunk` events ending in `data: [DONE]`, as the SDKs read them.
 * A caller that goes away cancels the request, exactly as on the generate route.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { cancelGeneration } from "../inference/cancel-generation";
import { collectGeneration } from "../inference/collect-generation";
import { eventStreamResponse } from "../inference/event-stream-response";
import type { GenerationResult } from "../inference/generate-request";
import {
  GenerationFailedError,
  GenerationTimeoutError,
  readGenerationStream,
} from "../inference/read-generation-stream";
import { startGeneration, type StartedGeneration } from "../inference/start-generation";
import type { ApiDeps } from "../trpc";
import { invalidRequest, OpenAiError, toOpenAiError } from "./errors";
import { unix } from "./ids";
import { modelNotFound, resolveModel, type OpenAiTeam } from "./models";
import { parseBody } from "./parse";

export interface ChatDeps {
  inferenceQueue: Queue;
  /** A dedicated connection for the blocking XREAD; disconnected when the answer ends. */
  createReader: () => Redis;
  firstEntryTimeoutMs?: number;
  idleTimeoutMs?: number;
  heartbeatMs?: number;
}

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const message = z.object({
  role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
  content: z.union([z.string(), z.array(z.union([textPart, z.object({ type: z.string() }).loose()]))]).nullish(),
  name: z.string().optional(),
});

export const chatCompletionSchema = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    max_tokens: z.number().int().nullish(),
    max_completion_tokens: z.number().int().nullish(),
    seed: z.number().int().nullish(),
    n: z.number().int().nullish(),
    stream: z.boolean().nullish(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
    stop: z.union([z.string(), z.array(z.string())]).nullish(),
    tools: z.array(z.unknown()).nullish(),
    functions: z.array(z.unknown()).nullish(),
    logprobs: z.boolean().nullish(),
  })
  .loose();

/** OpenAI's chat messages as the runner's: text only, `developer` is a system message. */
function toRunnerMessages(messages: z.infer<typeof message>[]) {
  return messages.map((m, i) => {
    if (m.role === "tool" || m.role === "function") {
      throw invalidRequest(`messages.${i}.role: tool messages are not supported`, `messages.${i}.role`);
    }
    let content = "";
    if (typeof m.content === "string") content = m.content;
    else if (Array.isArray(m.content)) {
      content = m.content
        .map((p, j) => {
          if (p.type !== "text") {
            throw invalidRequest(
              `messages.${i}.content.${j}: only text parts are supported (got '${p.type}')`,
              `messages.${i}.content`,
            );
          }
          return (p as z.infer<typeof textPart>).text;
        })
        .join("");
    }
    return { role: m.role === "developer" ? ("system" as const) : m.role, content };
  });
}

function unsupported(body: z.infer<typeof chatCompletionSchema>): void {
  if (body.n != null && body.n !== 1) throw invalidRequest("n: only one choice (n=1) is supported", "n");
  if (body.tools?.length || body.functions?.length) {
    throw invalidRequest("tools and function calling are not supported by Whetstone's runners", "tools");
  }
  if (body.logprobs) throw invalidRequest("logprobs are not supported", "logprobs");
  if (body.stop != null && (typeof body.stop === "string" ? body.stop : body.stop.length)) {
    throw invalidRequest("stop sequences are not supported yet", "stop");
  }
}

export async function createChatCompletion(
  req: Request,
  deps: ApiDeps,
  chat: ChatDeps,
  team: OpenAiTeam,
  rawBody: unknown,
): Promise<Response> {
  const body = parseBody(chatCompletionSchema, rawBody);
  unsupported(body);
  const model = await resolveModel(deps.prisma, team, body.model);
  if (!model) throw modelNotFound(body.model);
  if (model.checkpoint?.technique === "classification") {
    // Its label set is written with the job's final model only.
    throw invalidRequest(
      `${body.model} is a checkpoint of a classification job, which is not served; use the job's final model`,
      "model",
      "model_not_available",
    );
  }
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  const sampling = {
    ...(body.temperature != null ? { temperature: body.temperature } : {}),
    ...(body.top_p != null ? { topP: body.top_p } : {}),
    ...(maxTokens != null ? { maxNewTokens: maxTokens } : {}),
    ...(body.seed != null ? { seed: body.seed } : {}),
  };
  let started: StartedGeneration;
  try {
    started = await startGeneration(
      { prisma: deps.prisma, inferenceQueue: chat.inferenceQueue },
      {
        teamId: team.id,
        modelId: model.id,
        ...(model.checkpoint ? { served: model.checkpoint } : {}),
        body: { messages: toRunnerMessages(body.messages), sampling, task: "chat", stream: !!body.stream },
      },
    );
  } catch (err) {
    throw (
      toOpenAiError(err, {
        "sampling.temperature": "temperature",
        "sampling.topP": "top_p",
        "sampling.maxNewTokens": maxTokens === body.max_completion_tokens ? "max_completion_tokens" : "max_tokens",
        "sampling.seed": "seed",
        modelId: "model",
      }) ?? err
    );
  }

  const reader = chat.createReader();
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  req.signal.addEventListener("abort", onAbort);
  const entries = readGenerationStream(reader, started.requestId, {
    signal: ac.signal,
    firstEntryTimeoutMs: chat.firstEntryTimeoutMs,
    idleTimeoutMs: chat.idleTimeoutMs,
  });
  let finished = false;
  const release = async () => {
    req.signal.removeEventListener("abort", onAbort);
    ac.abort();
    reader.disconnect();
    if (!finished) {
      await cancelGeneration({ redis: deps.redis, inferenceQueue: chat.inferenceQueue }, started.requestId).catch(
        (err: unknown) => console.error("[openai] cancelling a generation failed:", err),
      );
    }
  };
  const id = `chatcmpl-${started.requestId}`;
  const created = unix(new Date());

  if (!body.stream) {
    try {
      const result = await collectGeneration(entries, started.requestId);
      finished = true;
      return Response.json(completion(id, created, body.model, result), { headers: { "cache-control": "no-store" } });
    } catch (err) {
      finished = err instanceof GenerationFailedError;
      throw generationError(err);
    } finally {
      await release();
    }
  }

  const includeUsage = body.stream_options?.include_usage === true;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model: body.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  const data = (write: (text: string) => void, value: unknown) => write(`data: ${JSON.stringify(value)}\n\n`);
  return eventStreamResponse({
    requestId: started.requestId,
    ac,
    heartbeatMs: chat.heartbeatMs ?? 15_000,
    heartbeat: () => ": keep-alive\n\n",
    release,
    async produce(write) {
      data(write, chunk({ role: "assistant", content: "", refusal: null }, null));
      for await (const e of entries) {
        if (e.type === "token") data(write, chunk({ content: e.text }, null));
        else if (e.type === "error") {
          finished = true;
          data(write, { error: { message: e.message, type: "server_error", param: null, code: "generation_failed" } });
        } else if (e.type === "done") {
          finished = true;
          data(write, chunk({}, e.finishReason === "length" ? "length" : "stop"));
          if (includeUsage) data(write, { ...chunk({}, null), choices: [], usage: usage(e.usage) });
          write("data: [DONE]\n\n");
        }
      }
    },
    onError(err, write) {
      const e = generationError(err);
      data(write, { error: { message: e.message, type: e.type, param: null, code: e.code } });
    },
  });
}

const usage = (u: { promptTokens: number; completionTokens: number }) => ({
  prompt_tokens: u.promptTokens,
  completion_tokens: u.completionTokens,
  total_tokens: u.promptTokens + u.completionTokens,
});

function completion(id: string, created: number, model: string, r: GenerationResult) {
  // A classification model answers with its likeliest label.
  const text = r.text || (r.probs ? (Object.entries(r.probs).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "") : "");
  return {
    id,
    object: "chat.completion",
    created,
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: r.finishReason === "length" ? "length" : "stop",
      },
    ],
    usage: usage(r.usage),
  };
}

/** A runner's failure is 502, no runner answering in time 504; neither is retried by the SDKs (it would queue a
 *  second answer). */
function generationError(err: unknown): OpenAiError {
  if (err instanceof GenerationTimeoutError) {
    return new OpenAiError(504, err.message, "server_error", null, "timeout", false);
  }
  if (err instanceof GenerationFailedError) {
    return new OpenAiError(502, err.message, "server_error", null, "generation_failed", false);
  }
  return toOpenAiError(err) ?? new OpenAiError(500, "reading the answer failed on the server", "server_error");
}
