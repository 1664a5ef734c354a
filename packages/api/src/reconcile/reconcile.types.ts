/** What one reconcile pass needs and what it reports. See reconcile-once.ts. */
import type { ApiConfig, ApiDeps } from "../trpc";

export type ReconcileDeps = Pick<ApiDeps, "prisma" | "trainingQueue"> & {
  /** WEBHOOK_SECRET_KEY: an augmentation's payload carries its admin-configured endpoint key, decrypted with it. */
  config?: Pick<ApiConfig, "webhookSecretKey">;
};

/** Where a pass reports what it did along the way; apps/worker passes its logger. */
export interface ReconcileLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReconcileOptions {
  /** A runner silent this long is offline and its running job goes back to the queue. */
  runnerOfflineAfterMs?: number;
  /** How long a `queued` job's BullMQ job may sit `completed`/`failed` before it is re-added (events may lag). */
  requeueGraceMs?: number;
  now?: () => Date;
  log?: ReconcileLog;
  /** Tells a job's open pages that it changed (after the change is committed); a lost notice only delays a refresh. */
  notify?: (jobId: string, message: Record<string, unknown>) => Promise<void>;
  /**
   * Since when the caller has been reading the runners' heartbeats without a gap (its start, or its last recovery
   * from a failed pass). No runner is judged offline before the offline threshold has passed since then: a gap in
   * the observer's attention is not the runners' silence (liveness.ts). Default: always watching.
   */
  observingSince?: Date;
  /** Prefix of Whetstone's Redis keys (the runners' alive keys); the contract's unless a test isolates its own. */
  keyPrefix?: string;
}

export interface ReconcileReport {
  enqueued: string[];
  reEnqueued: string[];
  failed: string[];
  runnersOffline: string[];
  requeued: string[];
  /** The same four for evaluations (decision 0007). */
  evaluationsEnqueued: string[];
  evaluationsReEnqueued: string[];
  evaluationsFailed: string[];
  evaluationsRequeued: string[];
  /** The same four for runner work (score rounds, simulations, augmentations). */
  workEnqueued: string[];
  workReEnqueued: string[];
  workFailed: string[];
  workRequeued: string[];
}

/** One pass: its dependencies, its options with defaults filled in, and the report it fills. */
export interface ReconcilePass extends ReconcileDeps, Required<ReconcileOptions> {
  report: ReconcileReport;
}
