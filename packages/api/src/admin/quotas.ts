/** Team quotas for the admin console and its API: read every team's quota and use, set one team's. */
import { AppError, notFound } from "../errors";
import { promotePendingJobs } from "../scheduling/promote-pending-jobs";
import { ADMITTED_STATES, usageMonth } from "../scheduling/quota";
import type { ApiDeps } from "../trpc";
import { audit } from "../audit/audit";

export async function listQuotas(prisma: ApiDeps["prisma"], now = new Date()) {
  const month = usageMonth(now);
  const teams = await prisma.team.findMany({ orderBy: { name: "asc" }, include: { quota: true } });
  const counts = await prisma.fineTuneJob.groupBy({
    by: ["teamId", "state"],
    where: { state: { in: [...ADMITTED_STATES, "pending_quota"] } },
    _count: { _all: true },
  });
  const usage = await prisma.usageRecord.groupBy({ by: ["teamId"], where: { month }, _sum: { gpuSeconds: true } });
  const usedById = new Map(usage.map((u) => [u.teamId, (u._sum.gpuSeconds ?? 0) / 3600]));
  const count = (teamId: string, states: readonly string[]) =>
    counts.filter((c) => c.teamId === teamId && states.includes(c.state)).reduce((n, c) => n + c._count._all, 0);
  return {
    month,
    teams: teams.map((t) => ({
      teamId: t.id,
      slug: t.slug,
      name: t.name,
      maxConcurrentGpus: t.quota?.maxConcurrentGpus ?? null,
      monthlyGpuHours: t.quota?.monthlyGpuHours ?? null,
      updatedAt: t.quota?.updatedAt ?? null,
      admitted: count(t.id, ADMITTED_STATES),
      running: count(t.id, ["running"]),
      pending: count(t.id, ["pending_quota"]),
      usedGpuHours: usedById.get(t.id) ?? 0,
    })),
  };
}

export interface QuotaInput {
  /** null: no limit. */
  maxConcurrentGpus: number | null;
  monthlyGpuHours: number | null;
}

export async function setQuota(
  deps: Pick<ApiDeps, "prisma" | "trainingQueue">,
  actorUserId: string,
  teamId: string,
  input: QuotaInput,
) {
  const { prisma } = deps;
  const team = await prisma.team.findUnique({ where: { id: teamId }, include: { quota: true } });
  if (!team) throw notFound(`team "${teamId}"`);
  if (input.maxConcurrentGpus !== null && (!Number.isInteger(input.maxConcurrentGpus) || input.maxConcurrentGpus < 0)) {
    throw new AppError("BAD_REQUEST", "maxConcurrentGpus must be a whole number ≥ 0, or null for no limit", {
      field: "maxConcurrentGpus",
    });
  }
  const before = {
    maxConcurrentGpus: team.quota?.maxConcurrentGpus ?? null,
    monthlyGpuHours: team.quota?.monthlyGpuHours ?? null,
  };
  const quota = await prisma.$transaction(async (tx) => {
    const q = await tx.teamQuota.upsert({ where: { teamId }, create: { teamId, ...input }, update: input });
    await audit(tx, {
      action: "quota.set",
      actorUserId,
      teamId,
      targetType: "team",
      targetId: teamId,
      details: { before, after: { maxConcurrentGpus: q.maxConcurrentGpus, monthlyGpuHours: q.monthlyGpuHours } },
    });
    return q;
  });
  // A raised quota starts waiting jobs now rather than on the worker's next sweep.
  const promoted = await promotePendingJobs(deps, teamId);
  return {
    teamId,
    maxConcurrentGpus: quota.maxConcurrentGpus,
    monthlyGpuHours: quota.monthlyGpuHours,
    updatedAt: quota.updatedAt,
    promotedJobIds: promoted,
  };
}
