/**
 * Generate from a model — the REST route POST /api/v1/models/{id}/generate (API key) and the playground's
 * POST /api/models/{id}/generate (session + x-whetstone-team). The request goes on the `inference` queue; the
 * answer is read from the request's Redis stream (blocking XREAD on a connection of its own) and either forwarded
 * as server-sent events (`stream: true`) or collected into one JSON object.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import {
  cancelGeneration,
  collectGeneration,
  eventStreamResponse,
  generateRequestSchema,
  GenerationFailedError,
  GenerationTimeoutError,
  readGenerationStream,
  startGeneration,
  type ApiDeps,
  type Caller,
  type GenerationEntry,
  type StartedGeneration,
} from "@whetstone/api";
import { resolveTeam } from "../caller";
import { errorResponse, jsonError } from "../http";

export interface GenerateRouteDeps {
  inferenceQueue: Queue;
  /** A dedicated connection for the blocking XREAD; the handler disconnects it. */
  createReader: () => Redis;
  /** Tests shorten the waits. */
  firstEntryTimeoutMs?: number;
  idleTimeoutMs?: number;
  heartbeatMs?: number;
}

export async function handleGenerate(
  req: Request,
  deps: ApiDeps,
  caller: Caller | null,
  modelId: string,
  teamSlug: string | null,
  gen: GenerateRouteDeps,
): Promise<Response> {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const team = await resolveTeam(deps, caller, teamSlug);
  if (!team) {
    return teamSlug || caller.kind === "apiKey"
      ? jsonError(404, "NOT_FOUND", "team not found")
      : jsonError(400, "BAD_REQUEST", "no team selected: send the x-whetstone-team header", { field: "team" });
  }
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return jsonError(400, "BAD_REQUEST", "body: the request body must be a JSON object", { field: "body" });
  }
  let started: StartedGeneration;
  try {
    started = await startGeneration(
      { prisma: deps.prisma, inferenceQueue: gen.inferenceQueue },
      { teamId: team.id, modelId, body },
    );
  } catch (err) {
    return errorResponse(err);
  }

  const reader = gen.createReader();
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  req.signal.addEventListener("abort", onAbort);
  const entries = readGenerationStream(reader, started.requestId, {
    signal: ac.signal,
    firstEntryTimeoutMs: gen.firstEntryTimeoutMs,
    idleTimeoutMs: gen.idleTimeoutMs,
  });
  let finished = false;
  const release = async () => {
    req.signal.removeEventListener("abort", onAbort);
    ac.abort();
    reader.disconnect();
    // The caller went away or gave up before the runner ended: the GPU is not spent on an answer nobody reads.
    if (!finished) {
      await cancelGeneration({ redis: deps.redis, inferenceQueue: gen.inferenceQueue }, started.requestId).catch(
        (err: unknown) => console.error("[web] cancelling generation failed:", err),
      );
    }
  };
  const head = { id: started.requestId, model: started.model, task: started.task };

  if (!started.stream) {
    try {
      const result = await collectGeneration(entries, started.requestId);
      finished = true;
      return Response.json({ ...head, ...result }, { headers: { "cache-control": "no-store" } });
    } catch (err) {
      finished = err instanceof GenerationFailedError;
      if (err instanceof GenerationTimeoutError) return jsonError(504, "TIMEOUT", err.message, head);
      if (err instanceof GenerationFailedError) return jsonError(502, "GENERATION_FAILED", err.message, head);
      return errorResponse(err);
    } finally {
      await release();
    }
  }

  return eventStreamResponse({
    requestId: started.requestId,
    ac,
    heartbeatMs: gen.heartbeatMs ?? 15_000,
    heartbeat: () => `: heartbeat ${Date.now()}\n\n`,
    release,
    async produce(write) {
      const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send("request", head);
      for await (const entry of entries) {
        if (entry.type === "done" || entry.type === "error") finished = true;
        send(entry.type, entry satisfies GenerationEntry);
      }
    },
    onError(err, write) {
      const timeout = err instanceof GenerationTimeoutError;
      if (!timeout) console.error("[web] generation stream failed:", err);
      const message = timeout ? err.message : "reading the answer failed on the server";
      const data = { type: "error", code: timeout ? "TIMEOUT" : "INTERNAL_SERVER_ERROR", message };
      write(`event: error\ndata: ${JSON.stringify(data)}\n\n`);
    },
  });
}

/** The OpenAPI path item of the REST route, its request body generated from the same zod schema it is parsed with. */
export function generateOpenApiPath() {
  const usage = { promptTokens: { type: "integer" }, completionTokens: { type: "integer" } };
  return {
    post: {
      operationId: "models-generate",
      summary: "Generate from a model (the team's own or an instance base model), streamed or in one answer",
      description:
        "Puts the request on the inference queue of the runners. With `stream: true` the answer is `text/event-stream`: " +
        "one `request` event ({id, model, task}), then the runner's entries as events named by their type — `start` " +
        "({model, runner}), `token` ({text}) per piece, `probs` ({labels: {label: p}}) for a classification model — and " +
        "exactly one `done` ({finishReason, usage, ttftMs, tokensPerSecond}) or `error` ({message}). Without it the " +
        "call waits and answers one JSON object. A request no runner takes within 2 minutes is dropped.",
      tags: ["Base models"],
      security: [{ bearerAuth: [] }],
      parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" }, description: "model id" }],
      requestBody: {
        required: true,
        content: { "application/json": { schema: z.toJSONSchema(generateRequestSchema, { io: "input" }) } },
      },
      responses: {
        "200": {
          description: "The answer (or, with `stream: true`, the event stream)",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  id: { type: "string" },
                  model: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
                  task: { type: "string", enum: ["chat", "classify"] },
                  text: { type: "string" },
                  finishReason: { type: "string", enum: ["stop", "length"] },
                  usage: { type: "object", properties: usage },
                  probs: { type: ["object", "null"], additionalProperties: { type: "number" } },
                  ttftMs: { type: ["number", "null"] },
                  tokensPerSecond: { type: ["number", "null"] },
                  runner: { type: ["string", "null"] },
                },
              },
            },
            // One schema per event, as SSE parsers see it: its name and its JSON data.
            "text/event-stream": {
              schema: {
                type: "object",
                required: ["event", "data"],
                properties: {
                  event: { type: "string", enum: ["request", "start", "token", "probs", "done", "error"] },
                  data: { type: "string", contentMediaType: "application/json" },
                },
              },
            },
          },
        },
        "400": { description: "Bad body: details.field names it (`messages`, `sampling.temperature`…)" },
        "404": { description: "No such model in the key's team (nor an instance base model)" },
        "412": { description: "The model cannot be loaded (details.field: modelId)" },
        "502": { description: "The runner answered with an error" },
        "504": { description: "No runner answered in time" },
      },
    },
  };
}
