/**
 * Runner work of active learning — a round's `score` job and a `simulate` job — follows one set of rules, the
 * rules of evaluations (decisions 0001, 0002, 0007): the row is the truth (committed `queued`, `enqueuedAt` null, then
 * enqueued idempotently with BullMQ job id = row id), only the runner holding running work moves it, final states are
 * final, and the reconciler repairs what Redis lost. Each kind names its table, its payload builder and what its
 * success stores; everything else (enqueue-work.ts, apply-work-event.ts, reconcile/repair-queued-work.ts) is shared.
 */
import type { JobState, Prisma, PrismaClient } from "@whetstone/db";
import type { JobPayload, RunnerEvent } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";

export type WorkKind = "score" | "simulate";
export const WORK_KINDS: readonly WorkKind[] = ["score", "simulate"];

/** The columns every work table has. */
export interface WorkRow {
  id: string;
  state: JobState;
  runnerName: string | null;
  error: string | null;
  startedAt: Date | null;
  updatedAtMs?: number;
}

/** The part of a Prisma delegate the shared code uses; both work tables have these columns. */
export interface WorkDelegate {
  findUnique(args: { where: { id: string }; select: Record<string, true> }): Promise<Record<string, unknown> | null>;
  findMany(args: {
    where: Record<string, unknown>;
    select: Record<string, true>;
    orderBy?: Record<string, "asc" | "desc">;
    take?: number;
  }): Promise<Record<string, unknown>[]>;
  update(args: { where: { id: string }; data: Record<string, unknown> }): Promise<unknown>;
  updateMany(args: { where: Record<string, unknown>; data: Record<string, unknown> }): Promise<{ count: number }>;
}

type Client = PrismaClient | Prisma.TransactionClient;

export interface SucceededContext {
  tx: Prisma.TransactionClient;
  id: string;
  event: Extract<RunnerEvent, { type: "state" }>;
  storage: BlobStorage;
}

/** What a kind's success stores, or why the reported success cannot be accepted (the work fails with it). */
export type SucceededOutcome = { ok: true; data: Record<string, unknown> } | { ok: false; reason: string };

export interface WorkKindSpec {
  kind: WorkKind;
  /** Prisma table name (for raw row locks). */
  table: "ActiveLearningRound" | "ActiveLearningSimulation";
  delegate(client: Client): WorkDelegate;
  buildPayload(prisma: PrismaClient, id: string): Promise<JobPayload>;
  /** Reads what the runner wrote (inside the event's transaction) and returns the columns to set. */
  succeeded(ctx: SucceededContext): Promise<SucceededOutcome>;
  /** The word used in messages: "round", "simulation". */
  noun: string;
}
