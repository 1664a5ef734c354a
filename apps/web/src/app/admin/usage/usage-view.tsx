"use client";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  Alert,
  ButtonLink,
  Card,
  CardHeader,
  Field,
  Input,
  PageHeader,
  Select,
  Stat,
  Table,
  TableSkeleton,
  TBody,
  TD,
  TH,
  THead,
  TR,
} from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";

const thisMonth = () => new Date().toISOString().slice(0, 7);

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
          <div className="mb-6 grid grid-cols-3 gap-4">
            <Card>
              <Stat label="GPU-hours" value={u.totalGpuHours.toFixed(1)} hint={u.month} />
            </Card>
            <Card>
              <Stat
                label="Monthly quota"
                value={u.quota.monthlyGpuHours === null ? "no limit" : `${u.quota.monthlyGpuHours} h`}
              />
            </Card>
            <Card>
              <Stat
                label="Concurrent GPUs"
                value={u.quota.maxConcurrentGpus === null ? "no limit" : String(u.quota.maxConcurrentGpus)}
              />
            </Card>
          </div>
          <Card className="mb-6">
            <CardHeader title="Per day" />
            <div className="flex h-32 items-end gap-1 px-6 pb-4" data-testid="usage-days">
              {u.days.length === 0 && <p className="text-sm text-zinc-500">No GPU time this month.</p>}
              {u.days.map((d) => (
                <div
                  key={d.date}
                  title={`${d.date}: ${d.gpuHours.toFixed(2)} h`}
                  className="flex-1 rounded-t bg-accent-500"
                  style={{ height: `${(d.gpuSeconds / maxDay) * 100}%` }}
                />
              ))}
            </div>
          </Card>
          <Card>
            <CardHeader title="Per job" />
            <Table data-testid="usage-jobs">
              <THead>
                <TR>
                  <TH>Job</TH>
                  <TH>State</TH>
                  <TH className="text-right">GPU-hours</TH>
                </TR>
              </THead>
              <TBody>
                {u.jobs.map((j) => (
                  <TR key={j.jobId}>
                    <TD>
                      <a className="text-accent-700 hover:underline" href={`/t/${u.team.slug}/jobs/${j.jobId}`}>
                        {j.name}
                      </a>
                    </TD>
                    <TD>{j.state}</TD>
                    <TD className="text-right tabular-nums">{j.gpuHours.toFixed(2)}</TD>
                  </TR>
                ))}
              </TBody>
            </Table>
          </Card>
        </>
      )}
    </>
  );
}
