/**
 * A team's GPU usage in one calendar month (UTC): per job (metered GPU-seconds from UsageRecord, written by the
 * worker from runner heartbeats) and per day.
 *
 * UsageRecord is kept per job and month, not per day, so the per-day view spreads each job's metered seconds over the
 * time it ran within the month (startedAt → finishedAt, or now), in proportion to the hours of each day. Totals per
 * job and per month are exact; the day split is an attribution (docs/decisions/0004-admission-and-fairness.md).
 */
import { AppError } from "../errors";
import { quotaOf, usageMonth } from "../scheduling/quota";
import type { ApiDeps } from "../trpc";

const DAY_MS = 24 * 3600 * 1000;

export function monthBounds(month: string): { start: Date; end: Date } {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const mm = m ? Number(m[2]) : 0;
  if (!m || mm < 1 || mm > 12)
    throw new AppError("BAD_REQUEST", `month must look like 2026-11, got "${month}"`, { field: "month" });
  const start = new Date(Date.UTC(Number(m[1]), mm - 1, 1));
  const end = new Date(Date.UTC(Number(m[1]), mm, 1));
  return { start, end };
}

/** Splits `seconds` over the UTC days of [from, to) in proportion to the overlap of each day. */
export function spreadOverDays(seconds: number, from: Date, to: Date, into: Map<string, number>): void {
  const a = from.getTime();
  const b = Math.max(to.getTime(), a);
  if (b === a) {
    const day = from.toISOString().slice(0, 10);
    into.set(day, (into.get(day) ?? 0) + seconds);
    return;
  }
  for (let t = Math.floor(a / DAY_MS) * DAY_MS; t < b; t += DAY_MS) {
    const overlap = Math.min(b, t + DAY_MS) - Math.max(a, t);
    if (overlap <= 0) continue;
    const day = new Date(t).toISOString().slice(0, 10);
    into.set(day, (into.get(day) ?? 0) + (seconds * overlap) / (b - a));
  }
}

export async function getTeamUsage(
  prisma: ApiDeps["prisma"],
  teamId: string,
  month: string | undefined,
  now = new Date(),
) {
  const m = month ?? usageMonth(now);
  const { start, end } = monthBounds(m);
  const team = await prisma.team.findUnique({ where: { id: teamId }, select: { id: true, slug: true, name: true } });
  if (!team) throw new AppError("NOT_FOUND", `team "${teamId}" not found`);
  const records = await prisma.usageRecord.findMany({
    where: { teamId, month: m },
    include: {
      job: {
        select: {
          id: true,
          name: true,
          state: true,
          runnerName: true,
          startedAt: true,
          finishedAt: true,
          createdById: true,
        },
      },
    },
    orderBy: { gpuSeconds: "desc" },
  });
  const days = new Map<string, number>();
  for (const r of records) {
    const from = new Date(Math.max(start.getTime(), (r.job.startedAt ?? r.updatedAt).getTime()));
    const to = new Date(
      Math.min(end.getTime(), (r.job.finishedAt ?? (r.job.state === "running" ? now : r.updatedAt)).getTime()),
    );
    spreadOverDays(r.gpuSeconds, from, to < from ? from : to, days);
  }
  const totalGpuSeconds = records.reduce((s, r) => s + r.gpuSeconds, 0);
  const quota = await quotaOf(prisma, teamId);
  return {
    team,
    month: m,
    totalGpuSeconds,
    totalGpuHours: totalGpuSeconds / 3600,
    quota,
    jobs: records.map((r) => ({
      jobId: r.jobId,
      name: r.job.name,
      state: r.job.state,
      startedAt: r.job.startedAt,
      finishedAt: r.job.finishedAt,
      gpuSeconds: r.gpuSeconds,
      gpuHours: r.gpuSeconds / 3600,
    })),
    days: [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, s]) => ({ date, gpuSeconds: s, gpuHours: s / 3600 })),
  };
}
export type TeamUsage = Awaited<ReturnType<typeof getTeamUsage>>;

const csvCell = (v: string | number | null): string => {
  const s = v === null ? "" : String(v);
  // RFC 4180 quoting; a leading = + - @ is prefixed so spreadsheets do not run it as a formula.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === "string" ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/** The per-job usage as CSV (one row per job, then a total row). */
export function usageCsv(u: TeamUsage): string {
  const rows: (string | number | null)[][] = [
    ["team", "month", "job_id", "job_name", "state", "started_at", "finished_at", "gpu_seconds", "gpu_hours"],
  ];
  for (const j of u.jobs) {
    rows.push([
      u.team.slug,
      u.month,
      j.jobId,
      j.name,
      j.state,
      j.startedAt?.toISOString() ?? null,
      j.finishedAt?.toISOString() ?? null,
      j.gpuSeconds.toFixed(1),
      j.gpuHours.toFixed(4),
    ]);
  }
  rows.push([u.team.slug, u.month, "", "TOTAL", "", "", "", u.totalGpuSeconds.toFixed(1), u.totalGpuHours.toFixed(4)]);
  return rows.map((r) => r.map(csvCell).join(",")).join("\r\n") + "\r\n";
}
