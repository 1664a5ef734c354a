/** What applying one runner event produced: the database change (in the caller's transaction) and page notices. */
import type { Prisma } from "@whetstone/db";
import type { RunnerEvent } from "@whetstone/queue";

export type Tx = Prisma.TransactionClient;
export type EventOf<T extends RunnerEvent["type"]> = Extract<RunnerEvent, { type: T }>;

/** A message for the open pages of one job (published on `jobUpdatesChannel(jobId)` after commit). */
export interface JobUpdate {
  jobId: string;
  message: Record<string, unknown>;
}

export type ApplyResult =
  { outcome: "applied"; updates: JobUpdate[] } | { outcome: "ignored"; reason: string; updates: JobUpdate[] };

export interface ApplyOptions {
  /** Longest gap between two heartbeats that is metered as GPU time (a longer silence is not billed). */
  maxMeteredGapMs: number;
}

export const applied = (updates: JobUpdate[] = []): ApplyResult => ({ outcome: "applied", updates });
export const ignored = (reason: string): ApplyResult => ({ outcome: "ignored", reason, updates: [] });
