/**
 * Quota arithmetic shared by admission, promotion, the usage pages and the admin console.
 * Jobs "admitted" against a team's concurrency quota are those in `queued` or `running`: each holds (or waits in
 * line for) one GPU.
 */
import type { Prisma, PrismaClient } from "@whetstone/db";

type Db = PrismaClient | Prisma.TransactionClient;

export const ADMITTED_STATES = ["queued", "running"] as const;

/** UTC calendar month as UsageRecord keeps it: "2026-11". */
export const usageMonth = (d: Date): string => d.toISOString().slice(0, 7);

/** "12.0" for numbers of GPU-hours shown to users. */
export const formatHours = (h: number): string => (Math.floor(h * 10) / 10).toFixed(1);

/** A limit as typed by the admin: "12", "2.5". */
export const formatLimit = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(2))));

export interface QuotaLimits {
  maxConcurrentGpus: number | null;
  monthlyGpuHours: number | null;
}

export async function quotaOf(db: Db, teamId: string): Promise<QuotaLimits> {
  const q = await db.teamQuota.findUnique({ where: { teamId } });
  return { maxConcurrentGpus: q?.maxConcurrentGpus ?? null, monthlyGpuHours: q?.monthlyGpuHours ?? null };
}

/** GPUs held by the team's admitted jobs (queued + running): a job of N GPUs counts N (decision 0014). */
export async function countAdmitted(db: Db, teamId: string): Promise<number> {
  const agg = await db.fineTuneJob.aggregate({
    where: { teamId, state: { in: [...ADMITTED_STATES] } },
    _sum: { gpuCount: true },
  });
  return agg._sum.gpuCount ?? 0;
}

export async function gpuSecondsInMonth(db: Db, teamId: string, month: string): Promise<number> {
  const agg = await db.usageRecord.aggregate({ where: { teamId, month }, _sum: { gpuSeconds: true } });
  return agg._sum.gpuSeconds ?? 0;
}

export const concurrencyReason = (admitted: number, max: number): string =>
  `team quota: ${admitted} of ${max} concurrent GPU${max === 1 ? "" : "s"} in use`;

/** A job needing more GPUs at once than the team may use: it waits for an admin to raise the quota. (A quota of 0
 *  pauses the team: every job waits, and the plain reason says so.) */
export const widerThanQuotaReason = (admitted: number, max: number, gpus: number): string =>
  max === 0
    ? concurrencyReason(admitted, max)
    : `${concurrencyReason(admitted, max)}; this job needs ${gpus} GPUs at once, so it starts when an instance admin ` +
      `raises the quota to ${gpus} or more`;

export const monthlyReason = (usedHours: number, limitHours: number, month: string): string =>
  `team quota: ${formatHours(usedHours)} of ${formatLimit(limitHours)} GPU-hours used in ${month}`;

/** Whether the team has spent its GPU-hours of `month`; the message names the numbers. */
export async function monthlyQuotaExhausted(
  db: Db,
  teamId: string,
  limits: QuotaLimits,
  now: Date,
): Promise<
  { exhausted: false } | { exhausted: true; message: string; usedHours: number; limitHours: number; month: string }
> {
  if (limits.monthlyGpuHours === null) return { exhausted: false };
  const month = usageMonth(now);
  const usedHours = (await gpuSecondsInMonth(db, teamId, month)) / 3600;
  if (usedHours < limits.monthlyGpuHours) return { exhausted: false };
  return {
    exhausted: true,
    message: monthlyReason(usedHours, limits.monthlyGpuHours, month),
    usedHours,
    limitHours: limits.monthlyGpuHours,
    month,
  };
}

/**
 * Takes the team's admission lock for the rest of the transaction (released at COMMIT or ROLLBACK, also when the
 * connection dies). Every count-then-write on a team's admitted jobs runs under it, so admissions of one team are
 * serialized while other teams proceed. See docs/decisions/0004-admission-and-fairness.md.
 */
export async function lockTeamAdmission(tx: Prisma.TransactionClient, teamId: string): Promise<void> {
  // Two keys (classid, objid) form the lock: a fixed namespace and the team's hash, so no other user of
  // single-key advisory locks (e.g. the worker's per-runner lock) can collide with it.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${ADMISSION_LOCK_NAMESPACE}::int, hashtext(${teamId}))`;
}

/** Arbitrary constant: "WA" (Whetstone Admission) as an int. */
export const ADMISSION_LOCK_NAMESPACE = 0x5741;

/** Options for the interactive transactions that wait on the lock: 50 submissions at once must all get through. */
export const ADMISSION_TX_OPTIONS = { maxWait: 60_000, timeout: 60_000 } as const;
