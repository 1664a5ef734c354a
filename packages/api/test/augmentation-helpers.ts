/** Shared by the augmentation tests: runner events applied as apps/worker applies them (events-consumer.ts). */
import { runnerEventSchema, type RunnerEventInput } from "@whetstone/queue";
import { prepareAugmentedVersion } from "../src/augmentations/prepare-augmented-version";
import { settleAugmentationEvent } from "../src/augmentations/settle-augmentation-event";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import type { ApplyResult } from "../src/runner-events/runner-event.types";
import type { TestEnv } from "./helpers";

const quiet = { warn: () => undefined };

/** Applies each event once (by eventId, as the consumer's ProcessedEvent does); returns the results. */
export async function sendEvents(env: TestEnv, ...events: RunnerEventInput[]): Promise<Array<ApplyResult | null>> {
  const out: Array<ApplyResult | null> = [];
  const files = { prisma: env.db.prisma, storage: env.deps.storage };
  for (const e of events) {
    const event = runnerEventSchema.parse(e);
    const prepared = await prepareAugmentedVersion(files, event);
    try {
      out.push(
        await env.db.prisma.$transaction(async (tx) => {
          const inserted = await tx.processedEvent.createMany({
            data: [{ eventId: event.eventId }],
            skipDuplicates: true,
          });
          if (inserted.count === 0) return null;
          return applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000, storage: env.deps.storage, prepared });
        }),
      );
    } finally {
      await settleAugmentationEvent(files, event, prepared, quiet);
    }
  }
  return out;
}
