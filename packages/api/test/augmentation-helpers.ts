/** Shared by the augmentation tests: runner events applied as apps/worker applies them. */
import { runnerEventSchema, type RunnerEventInput } from "@whetstone/queue";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import type { ApplyOptions } from "../src/runner-events/runner-event.types";
import type { TestEnv } from "./helpers";

export async function sendEvents(env: TestEnv, ...events: RunnerEventInput[]) {
  for (const e of events) {
    const event = runnerEventSchema.parse(e);
    const opts: ApplyOptions = { maxMeteredGapMs: 10_000, storage: env.deps.storage };
    await env.db.prisma.$transaction((tx) => applyRunnerEvent(tx, event, opts));
  }
}
