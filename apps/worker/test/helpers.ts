import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { RunnerEventInput } from "@whetstone/queue";

export { cleanRedis, connectRedis, createFixture, ev, HYPERPARAMETERS, redisUrl } from "@whetstone/api/testing";

/** Unique key names for one test, so tests never see each other's entries. */
export function uniqueNames() {
  const id = randomBytes(6).toString("hex");
  return {
    prefix: `test-${id}`,
    stream: `test-${id}:events`,
    group: `test-${id}:persisters`,
    channel: (jobId: string) => `test-${id}:job-updates:${jobId}`,
  };
}

export async function addEvent(
  redis: Redis,
  stream: string,
  event: RunnerEventInput | Record<string, unknown>,
): Promise<string> {
  return (await redis.xadd(stream, "*", "data", JSON.stringify(event)))!;
}

/** Polls until `check` returns true (the consumer runs in the background). */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 50));
  }
}
