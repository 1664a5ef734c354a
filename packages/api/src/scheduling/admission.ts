/**
 * Quota admission of a new job (docs/decisions/0004-admission-and-fairness.md).
 *
 * Inside one transaction, under the team's advisory lock: read the team's quota, refuse when the month's GPU-hours
 * are spent, count the jobs already admitted (queued + running), decide `queued` or `pending_quota`, and insert the
 * job. Because the count and the insert happen under the same lock, any number of simultaneous submissions of one
 * team admit at most `maxConcurrentGpus` jobs.
 */
import type { Prisma, PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import { audit } from "../audit/audit";
import {
  ADMISSION_TX_OPTIONS,
  concurrencyReason,
  countAdmitted,
  lockTeamAdmission,
  monthlyQuotaExhausted,
  quotaOf,
  widerThanQuotaReason,
} from "./quota";

export type AdmissionDecision =
  { state: "queued"; pendingReason: null } | { state: "pending_quota"; pendingReason: string };

/** Thrown inside the transaction (so it rolls back); turned into a 429 with the numbers after the audit row. */
class MonthlyQuotaRefusal extends Error {
  constructor(
    message: string,
    readonly details: { usedHours: number; limitHours: number; month: string },
  ) {
    super(message);
  }
}

/** Decides admission for one more job of `teamId`, of `gpus` GPUs. Call inside a transaction that then inserts the
 *  job. A job needing more GPUs at once than the team's quota allows waits, saying so, until an admin raises it. */
export async function decideAdmission(
  tx: Prisma.TransactionClient,
  teamId: string,
  now: Date,
  gpus = 1,
): Promise<AdmissionDecision> {
  await lockTeamAdmission(tx, teamId);
  const limits = await quotaOf(tx, teamId);
  const monthly = await monthlyQuotaExhausted(tx, teamId, limits, now);
  if (monthly.exhausted) {
    throw new MonthlyQuotaRefusal(monthly.message, {
      usedHours: monthly.usedHours,
      limitHours: monthly.limitHours,
      month: monthly.month,
    });
  }
  if (limits.maxConcurrentGpus === null) return { state: "queued", pendingReason: null };
  const admitted = await countAdmitted(tx, teamId);
  if (gpus > limits.maxConcurrentGpus) {
    // Waits, as every job over the quota does: an admin may raise it (a quota of 0 pauses a team's work).
    return { state: "pending_quota", pendingReason: widerThanQuotaReason(admitted, limits.maxConcurrentGpus, gpus) };
  }
  if (admitted + gpus <= limits.maxConcurrentGpus) return { state: "queued", pendingReason: null };
  return { state: "pending_quota", pendingReason: concurrencyReason(admitted, limits.maxConcurrentGpus) };
}

/**
 * Runs admission and `insert` in one transaction. A team whose monthly GPU-hours are spent gets TOO_MANY_REQUESTS
 * (HTTP 429) naming the numbers, and the refusal is written to the audit log; nothing of the job is written.
 */
export async function admitJob<T>(
  prisma: PrismaClient,
  actor: { teamId: string; userId: string | null },
  insert: (tx: Prisma.TransactionClient, decision: AdmissionDecision) => Promise<T>,
  now = new Date(),
  gpus = 1,
): Promise<{ decision: AdmissionDecision; result: T }> {
  try {
    return await prisma.$transaction(async (tx) => {
      const decision = await decideAdmission(tx, actor.teamId, now, gpus);
      return { decision, result: await insert(tx, decision) };
    }, ADMISSION_TX_OPTIONS);
  } catch (err) {
    if (!(err instanceof MonthlyQuotaRefusal)) throw err;
    await audit(prisma, {
      action: "quota.refused",
      actorUserId: actor.userId,
      teamId: actor.teamId,
      targetType: "team",
      targetId: actor.teamId,
      details: { reason: err.message, ...err.details },
    });
    throw new AppError("TOO_MANY_REQUESTS", err.message, { ...err.details });
  }
}
