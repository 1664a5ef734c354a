"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { BarChart3, Cpu, type LucideIcon } from "lucide-react";
import { DataTable } from "@/components/data-table";
import {
  Alert,
  Badge,
  ButtonLink,
  Card,
  CardHeader,
  Field,
  Input,
  PageHeader,
  Select,
  StateBadge,
  Stat,
  TableSkeleton,
  TD,
  TR,
} from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";

const thisMonth = () => new Date().toISOString().slice(0, 7);

/** "2026-11" → "November 2026" (UTC, whatever the browser's zone). */
function monthLabel(month: string): string {
  const d = new Date(`${month}-01T00:00:00Z`);
  return Number.isNaN(d.getTime())
    ? month
    : d.toLocaleDateString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
}

/** GPU-hours with the precision small numbers need: "<0.01", "0.25", "12.5". */
function hours(seconds: number): string {
  const h = seconds / 3600;
  if (h > 0 && h < 0.01) return "<0.01";
  return h < 10 ? h.toFixed(2) : h.toFixed(1);
}

/** A one-line empty state for a card section (the full EmptyState is too tall here). */
function CompactEmpty({
  icon: Icon,
  title,
  description,
  testId,
}: {
  icon: LucideIcon;
  title: string;
  description: string;
  testId: string;
}) {
  return (
    <div className="flex items-center gap-3 px-5 py-5" data-testid={testId}>
      <div className="flex size-9 shrink-0 items-center justify-center rounded-lg bg-zinc-50 text-zinc-400 ring-1 ring-zinc-200">
        <Icon className="size-4.5" aria-hidden />
      </div>
      <div>
        <div className="text-sm font-medium text-zinc-900">{title}</div>
        <div className="text-[13px] text-zinc-500">{description}</div>
      </div>
    </div>
  );
}

/** Every day of the month, "YYYY-MM-DD". */
function monthDays(month: string): string[] {
  const [y, m] = month.split("-").map(Number);
  if (!y || !m) return [];
  const n = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return Array.from({ length: n }, (_, i) => `${month}-${String(i + 1).padStart(2, "0")}`);
}

export function UsageView() {
  const trpc = useTRPC();
  const quotas = useQuery(trpc.admin.listQuotas.queryOptions());
  const teams = quotas.data?.teams ?? [];
  const [teamId, setTeamId] = useState<string>("");
  const [month, setMonth] = useState(thisMonth());
  const selected = teamId || teams[0]?.teamId || "";
  const validMonth = /^\d{4}-\d{2}$/.test(month);
  const usage = useQuery({
    ...trpc.admin.teamUsage.queryOptions({ teamId: selected, month }),
    enabled: !!selected && validMonth,
  });
  const u = usage.data;
  const maxDay = Math.max(1, ...(u?.days.map((d) => d.gpuSeconds) ?? []));
  const byDay = new Map((u?.days ?? []).map((d) => [d.date, d]));

  return (
    <>
      <PageHeader
        title="GPU usage"
        description="GPU time metered from runner heartbeats, per team and calendar month (UTC). Days split each job's time over the hours it ran."
        actions={
          selected && validMonth ? (
            <ButtonLink
              variant="secondary"
              href={`/admin/usage/export?teamId=${encodeURIComponent(selected)}&month=${month}`}
            >
              Export CSV
            </ButtonLink>
          ) : null
        }
      />
      <div className="mb-6 flex gap-4">
        <Field label="Team" htmlFor="usage-team">
          <Select id="usage-team" value={selected} onChange={(e) => setTeamId(e.target.value)}>
            {teams.map((t) => (
              <option key={t.teamId} value={t.teamId}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Month" htmlFor="usage-month" error={validMonth ? null : "YYYY-MM"}>
          <Input id="usage-month" type="month" value={month} onChange={(e) => setMonth(e.target.value)} />
        </Field>
      </div>
      {(quotas.error || usage.error) && (
        <Alert className="mb-6" title="Could not load usage">
          {errorInfo(quotas.error ?? usage.error).message}
        </Alert>
      )}
      {usage.isLoading || !u ? (
        <TableSkeleton rows={3} cols={3} />
      ) : (
        <>
          <div className="mb-4 flex flex-wrap items-center gap-2 text-sm text-zinc-600" data-testid="usage-scope">
            <span>Showing</span>
            <span className="font-semibold text-zinc-900">{u.team.name}</span>
            <Badge>{u.team.slug}</Badge>
            <span>·</span>
            <span className="font-medium text-zinc-900">{monthLabel(u.month)}</span>
          </div>
          <div className="mb-6 grid gap-4 sm:grid-cols-3">
            <Stat label="GPU-hours" value={hours(u.totalGpuSeconds)} hint={monthLabel(u.month)} />
            <Stat
              label="Monthly quota"
              value={u.quota.monthlyGpuHours === null ? "no limit" : `${u.quota.monthlyGpuHours} h`}
              hint={
                u.quota.monthlyGpuHours === null
                  ? "GPU-hours per month"
                  : `${Math.min(100, Math.round((u.totalGpuHours / Math.max(u.quota.monthlyGpuHours, 1e-9)) * 100))}% used`
              }
            />
            <Stat
              label="Concurrent GPUs"
              value={u.quota.maxConcurrentGpus === null ? "no limit" : String(u.quota.maxConcurrentGpus)}
              hint="jobs queued or running at once"
            />
          </div>
          <Card className="mb-6">
            <CardHeader
              title="Per day"
              description="GPU-hours per UTC day"
              action={
                u.totalGpuSeconds > 0 ? (
                  <span className="text-xs text-zinc-500 tabular-nums">peak {hours(maxDay)} h</span>
                ) : null
              }
            />
            <div data-testid="usage-days">
              {u.totalGpuSeconds <= 0 ? (
                <CompactEmpty
                  icon={BarChart3}
                  testId="usage-days-empty"
                  title="No GPU time this month"
                  description={`${u.team.name} ran nothing on a GPU in ${monthLabel(u.month)}.`}
                />
              ) : (
                <div className="px-5 pt-4 pb-3">
                  <div className="flex h-28 items-end gap-[3px] border-b border-zinc-200">
                    {monthDays(u.month).map((date) => {
                      const d = byDay.get(date);
                      return (
                        <div
                          key={date}
                          className="flex h-full flex-1 items-end"
                          title={`${date}: ${hours(d?.gpuSeconds ?? 0)} h`}
                        >
                          <div
                            className="w-full rounded-t-sm bg-accent-500"
                            style={{
                              height: d && d.gpuSeconds > 0 ? `${Math.max(3, (d.gpuSeconds / maxDay) * 100)}%` : 0,
                            }}
                          />
                        </div>
                      );
                    })}
                  </div>
                  <div className="mt-1.5 flex justify-between text-[11px] text-zinc-400 tabular-nums">
                    <span>1</span>
                    <span>15</span>
                    <span>{monthDays(u.month).length}</span>
                  </div>
                </div>
              )}
            </div>
          </Card>
          <Card>
            <CardHeader title="Per job" description="Jobs that used GPU time this month" />
            <DataTable
              loading={false}
              rows={u.jobs}
              empty={
                <CompactEmpty
                  icon={Cpu}
                  testId="usage-jobs-empty"
                  title="No jobs"
                  description={`No job of ${u.team.name} used GPU time in ${monthLabel(u.month)}.`}
                />
              }
              testId="usage-jobs"
              columns={[{ label: "Job" }, { label: "State" }, { label: "GPU-hours", className: "text-right" }]}
              row={(j) => (
                <TR key={j.jobId}>
                  <TD>
                    <a
                      className="font-medium text-accent-700 hover:underline"
                      href={`/t/${u.team.slug}/jobs/${j.jobId}`}
                    >
                      {j.name}
                    </a>
                  </TD>
                  <TD>
                    <StateBadge state={j.state} />
                  </TD>
                  <TD className="text-right tabular-nums">{hours(j.gpuSeconds)}</TD>
                </TR>
              )}
            />
          </Card>
        </>
      )}
    </>
  );
}
