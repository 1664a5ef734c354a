/**
 * Runs the reconciler of packages/api (`reconcileOnce`: Redis made to agree with PostgreSQL, silent runners
 * marked offline and their jobs handed back) now and then every `intervalMs`, logging what each pass changed
 * and publishing job-update notices. See docs/decisions/0002-events-persistence.md.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { reconcileOnce, type ReconcileReport } from "@whetstone/api";
import type { PrismaClient } from "@whetstone/db";
import { jobUpdatesChannel, KEY_PREFIX, RUNNER_OFFLINE_AFTER_MS } from "@whetstone/queue";
import type { Logger } from "./logger";

export type { ReconcileReport } from "@whetstone/api";

export interface ReconcilerOptions {
  prisma: PrismaClient;
  /** For job-update notices. */
  redis: Redis;
  trainingQueue: Queue;
  logger: Logger;
  intervalMs?: number;
  runnerOfflineAfterMs?: number;
  /** How long a `queued` job's BullMQ job may sit `completed`/`failed` before it is re-added (events may lag). */
  requeueGraceMs?: number;
  channel?: (jobId: string) => string;
  now?: () => Date;
  /** WEBHOOK_SECRET_KEY: to put an admin-configured endpoint's key in a re-enqueued augmentation's payload. */
  secretKey?: string | null;
  /** Prefix of Whetstone's Redis keys (the runners' alive keys); tests isolate their own. */
  keyPrefix?: string;
}

/** Waits `ms` or until aborted; the abort listener is removed when the timer fires (one per pass would pile up). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const onAbort = () => (clearTimeout(t), resolve());
    const t = setTimeout(() => (signal.removeEventListener("abort", onAbort), resolve()), ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });

export class Reconciler {
  private readonly o: Required<ReconcilerOptions>;
  private loop: Promise<void> | null = null;
  private readonly abort = new AbortController();
  /**
   * Since when this reconciler has been watching without a gap: set by its first pass and again by the first pass
   * that succeeds after a failed one (Redis or PostgreSQL away). Runners are not judged offline for the offline
   * threshold after that: heartbeats it could not read are not the runners' silence (packages/api reconcile/liveness.ts).
   */
  private observingSince: Date | null = null;

  constructor(opts: ReconcilerOptions) {
    this.o = {
      intervalMs: 5_000,
      runnerOfflineAfterMs: RUNNER_OFFLINE_AFTER_MS,
      requeueGraceMs: 60_000,
      channel: jobUpdatesChannel,
      now: () => new Date(),
      keyPrefix: KEY_PREFIX,
      ...opts,
      secretKey: opts.secretKey ?? null,
    };
  }

  private get log(): Logger {
    return this.o.logger;
  }

  /** Runs a pass now, then one every `intervalMs`, until stop(). */
  start(): void {
    if (this.loop) return;
    this.loop = (async () => {
      while (!this.abort.signal.aborted) {
        try {
          await this.runOnce();
        } catch (err) {
          this.observingSince = null;
          this.log.error("reconcile pass failed", { err });
        }
        await sleep(this.o.intervalMs, this.abort.signal);
      }
    })();
  }

  /** Lets the pass in progress finish. Safe to call more than once. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  async runOnce(): Promise<ReconcileReport> {
    const report = await reconcileOnce(
      { prisma: this.o.prisma, trainingQueue: this.o.trainingQueue, config: { webhookSecretKey: this.o.secretKey } },
      {
        runnerOfflineAfterMs: this.o.runnerOfflineAfterMs,
        requeueGraceMs: this.o.requeueGraceMs,
        now: this.o.now,
        log: this.log,
        notify: (jobId, message) => this.publish(jobId, message),
        observingSince: (this.observingSince ??= this.o.now()),
        keyPrefix: this.o.keyPrefix,
      },
    );
    const changed = Object.values(report).some((ids: string[]) => ids.length > 0);
    if (changed) this.log.info("reconciled", { ...report });
    return report;
  }

  private async publish(jobId: string, message: Record<string, unknown>): Promise<void> {
    await this.o.redis.publish(this.o.channel(jobId), JSON.stringify(message)).catch((err: unknown) => {
      this.log.warn("could not publish a job update", { jobId, err });
    });
  }
}
