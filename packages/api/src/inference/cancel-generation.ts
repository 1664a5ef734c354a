/**
 * The caller went away (closed the stream, pressed Stop, gave up waiting): a request still waiting is removed from
 * the queue, and one a runner is generating stops at its next token — the runner checks the request's cancel key
 * (the contract's `cancel` key, named by the request id) and ends the stream with finishReason "cancelled".
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { KEY_PREFIX, REDIS_KEYS, redisKey } from "@whetstone/queue";

/** Long enough for any runner to see it; a generation never outlives the request's 2-minute expiry by much. */
const CANCEL_FLAG_SECONDS = 600;

export async function cancelGeneration(
  deps: { redis: Redis; inferenceQueue: Queue },
  requestId: string,
  prefix: string = KEY_PREFIX,
): Promise<void> {
  await deps.redis.set(redisKey(REDIS_KEYS.cancel, { jobId: requestId }, prefix), "1", "EX", CANCEL_FLAG_SECONDS);
  // Removing a job a runner holds fails (it is locked): that one stops on the flag instead.
  await deps.inferenceQueue.remove(requestId).catch(() => 0);
}
