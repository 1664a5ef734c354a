/**
 * What applying one runner event produced: the database change (in the caller's transaction), page notices, and
 * effects the caller performs after the commit.
 */
import type { Prisma } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";
import type { PreparedAugmentation } from "../augmentations/prepare-augmented-version";

export type Tx = Prisma.TransactionClient;
export type EventOf<T extends RunnerEvent["type"]> = Extract<RunnerEvent, { type: T }>;

/** A message for the open pages of one job or evaluation (published on `jobUpdatesChannel(id)` after commit). */
export interface JobUpdate {
  jobId: string;
  message: Record<string, unknown>;
}

/**
 * Work that must wait for the commit (the row it needs must be visible, and Redis is not part of the transaction).
 * Losing one (a crash after the commit) is repaired by the reconciler: an evaluation left `queued` with `enqueuedAt`
 * null is enqueued on its next pass.
 */
export type ApplyEffect = { type: "enqueueEvaluation"; evaluationId: string };

export type ApplyResult =
  | {
      outcome: "applied";
      updates: JobUpdate[];
      effects?: ApplyEffect[];
      /**
       * Set when a late final report was applied to work the reconciler had put back in the queue
       * (judge-state-report.ts): the id whose duplicate BullMQ job must not run (perform-apply-effects.ts). Lost in a
       * crash after the commit: a runner that takes that BullMQ job reports states the final row ignores; nothing is
       * overwritten, some GPU time is spent.
       */
      dropDuplicate?: string;
    }
  | { outcome: "ignored"; reason: string; updates: JobUpdate[]; effects?: ApplyEffect[] };

export interface ApplyOptions {
  /** Longest gap between two heartbeats that is metered as GPU time (a longer silence is not billed). */
  maxMeteredGapMs: number;
  /** Where a succeeded evaluation's report is read from; an evaluation's success cannot be applied without it. */
  storage?: BlobStorage;
  /** An augmentation's new version, stored before the transaction of its success (prepareAugmentedVersion). */
  prepared?: PreparedAugmentation;
}

export const applied = (updates: JobUpdate[] = [], effects: ApplyEffect[] = []): ApplyResult =>
  effects.length > 0 ? { outcome: "applied", updates, effects } : { outcome: "applied", updates };

/** `result`, marked as the late final report of work whose duplicate BullMQ job must be dropped (when `late`). */
export const withDuplicateDropped = (result: ApplyResult, id: string, late: boolean): ApplyResult =>
  late && result.outcome === "applied" ? { ...result, dropDuplicate: id } : result;
export const ignored = (reason: string): ApplyResult => ({ outcome: "ignored", reason, updates: [] });
