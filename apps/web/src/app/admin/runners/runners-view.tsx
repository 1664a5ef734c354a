"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Cpu } from "lucide-react";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import { Alert, Badge, Button, Card, EmptyState, PageHeader, TD, TR, type Tone } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";

type Runner = RouterOutputs["admin"]["listRunners"][number];

const STATE_TONE: Record<Runner["state"], Tone> = {
  idle: "green",
  busy: "blue",
  draining: "amber",
  disabled: "neutral",
  offline: "red",
};

function age(seconds: number | null): string {
  if (seconds === null) return "never";
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

export function RunnersView() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const runners = useQuery({ ...trpc.admin.listRunners.queryOptions(), refetchInterval: 5_000 });
  const [error, setError] = useState<string | null>(null);
  const onSettled = () => qc.invalidateQueries({ queryKey: trpc.admin.listRunners.queryKey() });
  const onError = (e: unknown) => setError(errorInfo(e).message);
  const drain = useMutation(trpc.admin.drainRunner.mutationOptions({ onSettled, onError }));
  const disable = useMutation(trpc.admin.disableRunner.mutationOptions({ onSettled, onError }));
  const enable = useMutation(trpc.admin.enableRunner.mutationOptions({ onSettled, onError }));

  return (
    <>
      <PageHeader
        title="GPU runners"
        description="Every runner that has sent a heartbeat. Drain lets a runner finish its job and take no more; disable stops it taking jobs."
      />
      {(runners.error || error) && (
        <Alert className="mb-6" title="Something went wrong">
          {error ?? errorInfo(runners.error).message}
        </Alert>
      )}
      <Card>
        <DataTable
          loading={runners.isLoading}
          rows={runners.data}
          skeleton={{ rows: 3, cols: 8 }}
          empty={
            <EmptyState
              icon={Cpu}
              title="No runners yet"
              description="Start gpu-runner on a GPU host; it appears here with its first heartbeat."
            />
          }
          testId="runners-table"
          columns={[
            { label: "Runner" },
            { label: "GPU" },
            { label: "State" },
            { label: "Current job" },
            { label: "Heartbeat" },
            { label: "Jobs done", className: "text-right" },
            { label: "GPU-hours", className: "text-right" },
            {},
          ]}
          row={(r) => (
            <TR key={r.name} data-testid={`runner-${r.name}`}>
              <TD className="font-medium text-zinc-900">{r.name}</TD>
              <TD className="whitespace-nowrap">
                {r.gpuName ? (
                  <>
                    <div>{r.gpuCount > 1 ? `${r.gpuCount} × ${r.gpuName}` : r.gpuName}</div>
                    <div className="text-xs text-zinc-500">
                      {[
                        r.vramMb ? `${(r.vramMb / 1024).toFixed(0)} GB` : null,
                        r.cudaVersion ? `CUDA ${r.cudaVersion}` : null,
                      ]
                        .filter(Boolean)
                        .join(" · ") || "—"}
                    </div>
                  </>
                ) : (
                  <>
                    <div>CPU</div>
                    <div className="text-xs text-zinc-500">no GPU</div>
                  </>
                )}
              </TD>
              <TD>
                <Badge tone={STATE_TONE[r.state]}>{r.state}</Badge>
              </TD>
              <TD>
                {r.currentJob ? (
                  r.currentJob.teamSlug ? (
                    <a
                      className="text-accent-700 hover:underline"
                      href={`/t/${r.currentJob.teamSlug}/jobs/${r.currentJob.id}`}
                    >
                      {r.currentJob.name ?? r.currentJob.id}
                    </a>
                  ) : (
                    r.currentJob.id
                  )
                ) : (
                  <span className="text-zinc-400">—</span>
                )}
                {r.currentJob?.teamName && <div className="text-xs text-zinc-500">{r.currentJob.teamName}</div>}
              </TD>
              <TD className="whitespace-nowrap">{age(r.heartbeatAgeSeconds)}</TD>
              <TD className="text-right tabular-nums">{formatNumber(r.jobsDone)}</TD>
              <TD className="text-right tabular-nums">{r.gpuHours.toFixed(1)}</TD>
              <TD className="text-right whitespace-nowrap">
                {r.state === "draining" || r.state === "disabled" ? (
                  <Button size="sm" variant="secondary" onClick={() => enable.mutate({ name: r.name })}>
                    Enable
                  </Button>
                ) : (
                  <span className="inline-flex gap-2">
                    <Button size="sm" variant="secondary" onClick={() => drain.mutate({ name: r.name })}>
                      Drain
                    </Button>
                    <Button size="sm" variant="danger" onClick={() => disable.mutate({ name: r.name })}>
                      Disable
                    </Button>
                  </span>
                )}
              </TD>
            </TR>
          )}
        />
      </Card>
    </>
  );
}
