/**
 * Runner work other than training jobs and evaluations — active learning's `score` and `simulate` jobs, a dataset
 * version's `augment` job, a job's `merge` (merged weights on request) — follows one set of rules, the rules of evaluations (decisions 0001, 0002, 0007): the row
 * is the truth (committed `queued`, `enqueuedAt` null, then enqueued idempotently with BullMQ job id = row id), only
 * the runner holding running work moves it, final states are final, and the reconciler repairs what Redis lost. Each
 * kind names its table, its payload builder, its progress columns and what its success stores; everything else
 * (enqueue-work.ts, apply-work-event.ts, cancel-work.ts, reconcile/repair-queued-work.ts) is shared.
 */
import type { JobsOptions } from "bullmq";
import type { JobState, Prisma, PrismaClient } from "@whetstone/db";
import type { JobPayload, RunnerEvent } from "@whetstone/queue";
import type { BlobStorage } from "@whetstone/storage";
import type { ApplyOptions } from "../runner-events/runner-event.types";

export type WorkKind = "score" | "simulate" | "augment" | "merge";
export const WORK_KINDS: readonly WorkKind[] = ["score", "simulate", "augment", "merge"];

/** The columns every work table has. */
export interface WorkRow {
  id: string;
  state: JobState;
  runnerName: string | null;
  error: string | null;
  startedAt: Date | null;
  updatedAtMs?: number;
}

/** The part of a Prisma delegate the shared code uses; every work table has these columns. */
export interface WorkDelegate {
  findUnique(args: { where: { id: string }; select: Record<string, true> }): Promise<Record<string, unknown> | null>;
  findFirst(args: {
    where: Record<string, unknown>;
    select: Record<string, true>;
  }): Promise<Record<string, unknown> | null>;
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

/** WEBHOOK_SECRET_KEY, where the process has it (web and worker share it). */
export interface PayloadSecrets {
  webhookSecretKey?: string | null;
}

export interface SucceededContext {
  tx: Prisma.TransactionClient;
  id: string;
  event: Extract<RunnerEvent, { type: "state" }>;
  storage: BlobStorage;
  /** The event's options (an augmentation's success finds the version prepared before the transaction there). */
  opts: ApplyOptions;
}

/** What a kind's success stores, or why the reported success cannot be accepted (the work fails with it). */
export type SucceededOutcome = { ok: true; data: Record<string, unknown> } | { ok: false; reason: string };

export interface WorkKindSpec {
  kind: WorkKind;
  /** Prisma table name (for raw row locks). */
  table: "ActiveLearningRound" | "ActiveLearningSimulation" | "Augmentation" | "MergeJob";
  /** The filter that keeps a row to its team (a caller of another team gets 404). */
  teamWhere(teamId: string): Record<string, unknown>;
  /** The metric values that are its progress, and the columns they go to. */
  progress: { done: string; total: string; doneColumn: string; totalColumn: string };
  /**
   * Hand-backs from silent runners after which the work fails instead (its table then has a `handBacks` column): work
   * whose runner dies every time (killed for memory…) must end. None: no limit.
   */
  handBackLimit?: number;
  /** BullMQ options beyond enqueue-work.ts's defaults (an augmentation is not ahead of training jobs). */
  jobOptions?: Pick<JobsOptions, "priority" | "removeOnComplete" | "removeOnFail">;
  delegate(client: Client): WorkDelegate;
  /** `secrets`: what a payload may need decrypted (an augmentation's admin-configured endpoint key). */
  buildPayload(prisma: PrismaClient, id: string, secrets?: PayloadSecrets): Promise<JobPayload>;
  /** Reads what the runner wrote (inside the event's transaction) and returns the columns to set. */
  succeeded(ctx: SucceededContext): Promise<SucceededOutcome>;
  /** The word used in messages: "round", "simulation", "augmentation". */
  noun: string;
}
