"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Users } from "lucide-react";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import { Alert, Button, Card, EmptyState, Input, PageHeader, TD, TR } from "@/components/ui";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";

type TeamRow = RouterOutputs["admin"]["listQuotas"]["teams"][number];

/** "" → null (no limit); otherwise the number, or NaN for something that is not one. */
const parseLimit = (s: string) => (s.trim() === "" ? null : Number(s));

function QuotaRow({ t, month }: { t: TeamRow; month: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [gpus, setGpus] = useState(t.maxConcurrentGpus?.toString() ?? "");
  const [hours, setHours] = useState(t.monthlyGpuHours?.toString() ?? "");
  const [error, setError] = useState<string | null>(null);
  const save = useMutation(
    trpc.admin.setQuota.mutationOptions({
      onSuccess: () => setError(null),
      onError: (e) => setError(errorInfo(e).message),
      onSettled: () => qc.invalidateQueries({ queryKey: trpc.admin.listQuotas.queryKey() }),
    }),
  );
  const g = parseLimit(gpus);
  const h = parseLimit(hours);
  const invalid = (g !== null && (!Number.isInteger(g) || g < 0)) || (h !== null && (!Number.isFinite(h) || h < 0));
  const dirty = g !== t.maxConcurrentGpus || h !== t.monthlyGpuHours;
  return (
    <TR data-testid={`quota-${t.slug}`}>
      <TD className="whitespace-nowrap">
        <div className="font-medium text-zinc-900">{t.name}</div>
        <div className="text-xs text-zinc-500">{t.slug}</div>
      </TD>
      <TD className="whitespace-nowrap tabular-nums">
        {t.running} running · {t.admitted - t.running} queued · {t.pending} pending
      </TD>
      <TD className="whitespace-nowrap tabular-nums">
        {t.usedGpuHours.toFixed(1)} h <span className="text-zinc-500">in {month}</span>
      </TD>
      <TD>
        <Input
          aria-label={`Concurrent GPUs for ${t.name}`}
          inputMode="numeric"
          placeholder="no limit"
          value={gpus}
          onChange={(e) => setGpus(e.target.value)}
          className="w-28"
          invalid={invalid}
        />
      </TD>
      <TD>
        <Input
          aria-label={`Monthly GPU-hours for ${t.name}`}
          inputMode="decimal"
          placeholder="no limit"
          value={hours}
          onChange={(e) => setHours(e.target.value)}
          className="w-28"
          invalid={invalid}
        />
        {error && <div className="mt-1 text-xs text-red-600">{error}</div>}
      </TD>
      <TD className="text-right">
        <Button
          size="sm"
          disabled={!dirty || invalid}
          loading={save.isPending}
          onClick={() => save.mutate({ teamId: t.teamId, maxConcurrentGpus: g, monthlyGpuHours: h })}
        >
          Save
        </Button>
      </TD>
    </TR>
  );
}

export function QuotasView() {
  const trpc = useTRPC();
  const quotas = useQuery(trpc.admin.listQuotas.queryOptions());
  return (
    <>
      <PageHeader
        title="Team quotas"
        description="Concurrent GPUs: jobs a team may have queued or running at once; more wait as pending. Monthly GPU-hours: once spent, new jobs are refused until next month (UTC). Leave empty for no limit."
      />
      {quotas.error && (
        <Alert className="mb-6" title="Could not load quotas">
          {errorInfo(quotas.error).message}
        </Alert>
      )}
      <Card>
        <DataTable
          loading={quotas.isLoading}
          rows={quotas.data?.teams}
          skeleton={{ rows: 3, cols: 6 }}
          empty={<EmptyState icon={Users} title="No teams yet" />}
          testId="quotas-table"
          columns={[
            { label: "Team" },
            { label: "Jobs" },
            { label: "Used" },
            { label: "Concurrent GPUs" },
            { label: "GPU-hours / month" },
            {},
          ]}
          row={(t) => (
            <QuotaRow key={`${t.teamId}-${t.updatedAt?.toString() ?? ""}`} t={t} month={quotas.data?.month ?? ""} />
          )}
        />
      </Card>
    </>
  );
}
