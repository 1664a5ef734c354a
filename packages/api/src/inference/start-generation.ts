/**
 * Puts one `generate` request on the BullMQ `inference` queue: the model (team's own, or instance-wide) with its
 * lineage as the runner loads it, the messages and sampling, and an expiry after which a runner drops it because
 * the caller has gone. The request id names the job and the token stream (read with readGenerationStream).
 */
import { randomUUID } from "node:crypto";
import type { JobsOptions, Queue } from "bullmq";
import { JOB_KINDS, generationJobPayloadSchema, type BaseModelRef, type GenerationJobPayload } from "@whetstone/queue";
import { AppError, notFound } from "../errors";
import { findUnstorableText, unstorableTextError } from "../input-text";
import { buildBaseModelRef } from "../jobs/base-model-ref";
import type { ApiDeps } from "../trpc";
import { parseGenerateRequest, type GenerateRequest } from "./generate-request";

/** A runner that takes the request later than this drops it: nobody is reading the stream any more. */
export const GENERATION_TTL_MS = 2 * 60_000;

/** Interactive work: one attempt (a retry would answer a caller who has gone), removed soon after. */
export const GENERATION_JOB_OPTIONS = Object.freeze({
  attempts: 1,
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 24 * 3600, count: 1000 },
} satisfies JobsOptions);

export interface GenerationDeps {
  prisma: ApiDeps["prisma"];
  inferenceQueue: Queue;
}

export interface StartedGeneration {
  requestId: string;
  model: { id: string; name: string };
  task: "chat" | "classify";
  stream: boolean;
  payload: GenerationJobPayload;
}

/**
 * Validates `body` (400 naming the field), finds the model in the team's scope (404 otherwise, so another team's
 * model does not leak) and enqueues the request. `now` is injectable for tests.
 */
export async function startGeneration(
  deps: GenerationDeps,
  input: {
    teamId: string;
    modelId: string;
    body: unknown;
    now?: Date;
    /** A model with no BaseModel row, already resolved in the team's scope (a job's checkpoint, decision 0010). */
    served?: { technique: string; ref: BaseModelRef };
  },
): Promise<StartedGeneration> {
  const req: GenerateRequest = parseGenerateRequest(input.body);
  // A NUL or a lone surrogate in a message: the runner's tokenizer cannot encode it (../input-text.ts).
  const unstorable = findUnstorableText(req);
  if (unstorable !== null) throw unstorableTextError(unstorable);
  const model = input.served
    ? { id: input.modelId, name: input.served.ref.name, sourceJob: { technique: input.served.technique } }
    : await deps.prisma.baseModel.findFirst({
        where: { id: input.modelId, OR: [{ teamId: input.teamId }, { teamId: null }] },
        select: { id: true, name: true, sourceJob: { select: { technique: true } } },
      });
  if (!model) throw notFound(`model "${input.modelId}"`);

  const classifier = model.sourceJob?.technique === "classification";
  if (req.task === "classify" && !classifier) {
    // Only a classification job gives a model its label head; the runner would refuse the request after the queue.
    throw new AppError("BAD_REQUEST", `model "${model.name}" has no classification head: ask it with task "chat"`, {
      field: "task",
    });
  }
  const requestId = randomUUID();
  const task = req.task ?? (classifier ? "classify" : "chat");
  const ref =
    input.served?.ref ??
    (await buildBaseModelRef(
      deps.prisma,
      model.id,
      (m) => new AppError("PRECONDITION_FAILED", `model "${model.name}" cannot be loaded: ${m}`, { field: "modelId" }),
    ));
  const now = input.now ?? new Date();
  const payload = generationJobPayloadSchema.parse({
    kind: "generate",
    schemaVersion: 1,
    jobId: requestId,
    teamId: input.teamId,
    model: { modelId: model.id, label: model.name, ref },
    task,
    messages: req.system ? [{ role: "system", content: req.system }, ...req.messages] : req.messages,
    sampling: req.sampling,
    expiresAt: new Date(now.getTime() + GENERATION_TTL_MS).toISOString(),
  });
  await deps.inferenceQueue.add(JOB_KINDS.generate.jobName, payload, { ...GENERATION_JOB_OPTIONS, jobId: requestId });
  return { requestId, model: { id: model.id, name: model.name }, task, stream: req.stream, payload };
}
