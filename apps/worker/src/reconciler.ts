/**
 * Makes Redis agree with PostgreSQL (the source of truth), every few seconds:
 *
 * (a) a `queued` job whose enqueue never happened (`enqueuedAt` null) is enqueued;
 * (b) a `queued` job whose BullMQ job is gone (Redis flushed), stuck in `completed`/`failed`, or `active`
 *     without a lock (its runner died) gets a fresh BullMQ job;
 * (c) a runner silent for `runnerOfflineAfterMs` is marked `offline`, and a job `running` on it goes back to
 *     `queued` and to the queue.
 *
 * Every step is idempotent (BullMQ job id = job id; conditional updates), so two workers may run it at once.
 * See docs/decisions/0002-events-persistence.md.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { EnqueueError, enqueueTrainingJob, stateEventMessage } from "@whetstone/api";
import type { PrismaClient } from "@whetstone/db";
import { jobUpdatesChannel } from "@whetstone/queue";
import type { Logger } from "./logger";

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
}

export interface ReconcileReport {
  enqueued: string[];
  reEnqueued: string[];
  failed: string[];
  runnersOffline: string[];
  requeued: string[];
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

  constructor(opts: ReconcilerOptions) {
    this.o = {
      intervalMs: 5_000,
      runnerOfflineAfterMs: 30_000,
      requeueGraceMs: 60_000,
      channel: jobUpdatesChannel,
      now: () => new Date(),
      ...opts,
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
    const report: ReconcileReport = { enqueued: [], reEnqueued: [], failed: [], runnersOffline: [], requeued: [] };
    await this.requeueJobsOfSilentRunners(report);
    await this.enqueueMissing(report);
    await this.repairQueuedJobs(report);
    const changed = Object.values(report).some((ids: string[]) => ids.length > 0);
    if (changed) this.log.info("reconciled", { ...report });
    return report;
  }

  /** (a) `queued` jobs that never reached the queue. */
  private async enqueueMissing(report: ReconcileReport): Promise<void> {
    const jobs = await this.o.prisma.fineTuneJob.findMany({
      where: { state: "queued", enqueuedAt: null },
      select: { id: true },
      orderBy: [{ priority: "desc" }, { createdAt: "asc" }],
      take: 500,
    });
    for (const { id } of jobs) if (await this.enqueue(id, report)) report.enqueued.push(id);
  }

  /** (b) `queued` jobs that the database says are in the queue: check that BullMQ agrees. */
  private async repairQueuedJobs(report: ReconcileReport): Promise<void> {
    const jobs = await this.o.prisma.fineTuneJob.findMany({
      where: { state: "queued", enqueuedAt: { not: null } },
      select: { id: true, updatedAt: true },
      take: 1000,
    });
    for (const job of jobs) {
      if (report.enqueued.includes(job.id)) continue;
      const settled = this.o.now().getTime() - job.updatedAt.getTime() >= this.o.requeueGraceMs;
      if (await this.repairBullJob(job.id, settled, report)) report.reEnqueued.push(job.id);
    }
  }

  /**
   * Gives a `queued` job a BullMQ job a runner can take. Returns whether it added one.
   * - waiting / delayed / prioritized: nothing to do;
   * - missing (Redis flushed): add it again;
   * - active: `remove` succeeds only when no runner holds the lock (its runner died and the lock expired);
   *   then add it again. While the lock is held, leave it: the runner is alive or its lock expires soon;
   * - completed / failed while the database says `queued`: once `settled` (no change for the grace period, so
   *   these are not merely events still in flight), remove and add again.
   */
  private async repairBullJob(jobId: string, settled: boolean, report: ReconcileReport): Promise<boolean> {
    const state = await this.o.trainingQueue.getJobState(jobId);
    if (state === "unknown") return this.enqueue(jobId, report);
    if (state === "active" || ((state === "completed" || state === "failed") && settled)) {
      const removed = await this.o.trainingQueue.remove(jobId);
      if (removed !== 1) return false; // locked: a runner holds it
      this.log.warn("removed a stale BullMQ job to add it again", { jobId, bullState: state });
      return this.enqueue(jobId, report);
    }
    return false;
  }

  /** (c) runners silent for too long go offline; their running jobs go back to the queue. */
  private async requeueJobsOfSilentRunners(report: ReconcileReport): Promise<void> {
    const cutoff = new Date(this.o.now().getTime() - this.o.runnerOfflineAfterMs);
    const silent = await this.o.prisma.runner.findMany({
      where: { state: { not: "offline" }, lastHeartbeatAt: { lt: cutoff } },
      select: { name: true, lastHeartbeatAt: true },
    });
    for (const r of silent) {
      // Conditional: a heartbeat that arrived meanwhile wins.
      const { count } = await this.o.prisma.runner.updateMany({
        where: { name: r.name, state: { not: "offline" }, lastHeartbeatAt: { lt: cutoff } },
        data: { state: "offline", currentJobId: null },
      });
      if (count === 1) {
        report.runnersOffline.push(r.name);
        this.log.warn("runner went silent; marked offline", { runner: r.name, lastHeartbeatAt: r.lastHeartbeatAt });
      }
    }

    // Jobs running on an offline runner, or on a runner never heard of for as long (it never sent a heartbeat).
    const offline = await this.o.prisma.runner.findMany({
      where: { state: "offline" },
      select: { name: true, lastHeartbeatAt: true },
    });
    const known = await this.o.prisma.runner.findMany({ select: { name: true } });
    const jobs = await this.o.prisma.fineTuneJob.findMany({
      where: {
        state: "running",
        OR: [
          { runnerName: { in: offline.map((r) => r.name) } },
          { runnerName: { notIn: known.map((r) => r.name) }, updatedAt: { lt: cutoff } },
          { runnerName: null, updatedAt: { lt: cutoff } },
        ],
      },
      select: { id: true, runnerName: true },
    });
    const lastSeen = new Map(offline.map((r) => [r.name, r.lastHeartbeatAt]));
    for (const job of jobs) {
      const seen = job.runnerName ? lastSeen.get(job.runnerName) : undefined;
      const reason = job.runnerName
        ? `runner ${job.runnerName} stopped sending heartbeats${seen ? ` (last at ${seen.toISOString()})` : ""}; back to the queue`
        : "no runner holds the job; back to the queue";
      const moved = await this.o.prisma.$transaction(async (tx) => {
        const { count } = await tx.fineTuneJob.updateMany({
          where: { id: job.id, state: "running", runnerName: job.runnerName },
          // enqueuedAt cleared (docs/decisions/0001): if the repair below does not finish, pass (a) redoes it.
          data: { state: "queued", runnerName: null, queuedAt: this.o.now(), enqueuedAt: null },
        });
        if (count === 1) {
          await tx.jobEvent.create({
            data: { jobId: job.id, kind: "state", level: "warning", message: stateEventMessage("queued", reason) },
          });
        }
        return count === 1;
      });
      if (!moved) continue;
      report.requeued.push(job.id);
      this.log.warn("job re-queued", { jobId: job.id, runner: job.runnerName, reason });
      await this.publish(job.id, { type: "state", state: "queued" });
      // Make its BullMQ job available now rather than on the next pass.
      await this.repairBullJob(job.id, true, report);
    }
  }

  /** enqueueTrainingJob, turning a payload that can never be built into a failed job. Returns whether it ran. */
  private async enqueue(jobId: string, report: ReconcileReport): Promise<boolean> {
    try {
      await enqueueTrainingJob({ prisma: this.o.prisma, trainingQueue: this.o.trainingQueue }, jobId);
      return true;
    } catch (err) {
      if (!(err instanceof EnqueueError)) {
        this.log.error("enqueue failed; will retry on the next pass", { jobId, err });
        return false;
      }
      const reason = err.message;
      const { count } = await this.o.prisma.fineTuneJob.updateMany({
        where: { id: jobId, state: "queued" },
        data: { state: "failed", error: reason, finishedAt: this.o.now() },
      });
      if (count === 1) {
        await this.o.prisma.jobEvent.create({
          data: { jobId, kind: "state", level: "error", message: stateEventMessage("failed", reason) },
        });
        report.failed.push(jobId);
        this.log.error("job can never be enqueued; marked failed", { jobId, reason });
        await this.publish(jobId, { type: "state", state: "failed" });
      }
      return false;
    }
  }

  private async publish(jobId: string, message: Record<string, unknown>): Promise<void> {
    await this.o.redis.publish(this.o.channel(jobId), JSON.stringify(message)).catch((err: unknown) => {
      this.log.warn("could not publish a job update", { jobId, err });
    });
  }
}
