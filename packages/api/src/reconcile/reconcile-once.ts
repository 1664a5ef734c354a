/**
 * Makes Redis agree with PostgreSQL (the source of truth); apps/worker runs a pass every few seconds:
 *
 * (a) a `queued` job whose enqueue never happened (`enqueuedAt` null) is enqueued;
 * (b) a `queued` job whose BullMQ job is gone (Redis flushed), stuck in `completed`/`failed`, or `active`
 *     without a lock (its runner died) gets a fresh BullMQ job;
 * (c) a runner silent for `runnerOfflineAfterMs` — judged from its own signals, never from a gap in this
 *     observer's attention (liveness.ts) — is marked `offline`, and a job `running` on it goes back to `queued` and
 *     to the queue unless a runner still holds its BullMQ lock (hand-back-from-silent-runners.ts).
 *
 * Evaluations get (a), (b) and (c) too (repair-queued-evaluations.ts), and so does other runner work — active
 * learning's, augmentations (repair-queued-work.ts).
 *
 * Every step is idempotent (BullMQ job id = job id; conditional updates), so two workers may run it at once.
 * See docs/decisions/0002-events-persistence.md.
 */
import { KEY_PREFIX, RUNNER_OFFLINE_AFTER_MS } from "@whetstone/queue";
import { enqueueMissingJobs, repairQueuedJobs } from "./repair-queued-jobs";
import { handBackJobsOfOfflineRunners } from "./hand-back-jobs-of-offline-runners";
import {
  enqueueMissingEvaluations,
  handBackEvaluationsOfOfflineRunners,
  repairQueuedEvaluations,
} from "./repair-queued-evaluations";
import { reconcileWork } from "./repair-queued-work";
import { markSilentRunnersOffline } from "./mark-silent-runners-offline";
import type { ReconcileDeps, ReconcileOptions, ReconcilePass, ReconcileReport } from "./reconcile.types";

const quiet = { warn: () => undefined, error: () => undefined };

export async function reconcileOnce(deps: ReconcileDeps, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
  const pass: ReconcilePass = {
    prisma: deps.prisma,
    trainingQueue: deps.trainingQueue,
    config: deps.config,
    runnerOfflineAfterMs: opts.runnerOfflineAfterMs ?? RUNNER_OFFLINE_AFTER_MS,
    requeueGraceMs: opts.requeueGraceMs ?? 60_000,
    now: opts.now ?? (() => new Date()),
    log: opts.log ?? quiet,
    notify: opts.notify ?? (async () => undefined),
    observingSince: opts.observingSince ?? new Date(0),
    keyPrefix: opts.keyPrefix ?? KEY_PREFIX,
    report: {
      enqueued: [],
      reEnqueued: [],
      failed: [],
      runnersOffline: [],
      requeued: [],
      evaluationsEnqueued: [],
      evaluationsReEnqueued: [],
      evaluationsFailed: [],
      evaluationsRequeued: [],
      workEnqueued: [],
      workReEnqueued: [],
      workFailed: [],
      workRequeued: [],
    },
  };
  const cutoff = new Date(pass.now().getTime() - pass.runnerOfflineAfterMs);
  await markSilentRunnersOffline(pass, cutoff);
  await handBackJobsOfOfflineRunners(pass, cutoff);
  await enqueueMissingJobs(pass);
  await repairQueuedJobs(pass);
  await handBackEvaluationsOfOfflineRunners(pass, cutoff);
  await enqueueMissingEvaluations(pass);
  await repairQueuedEvaluations(pass);
  await reconcileWork(pass, cutoff);
  return pass.report;
}
