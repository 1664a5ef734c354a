"use client";
import Link from "next/link";
import { TECHNIQUE_LABELS, METHOD_LABELS } from "@whetstone/core";
import { DataTable } from "./data-table";
import { Progress, StateBadge, TD, TR } from "./ui";
import { formatDuration, formatRelative } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

type Job = RouterOutputs["jobs"]["list"]["items"][number];

export function jobProgress(j: { state: string; currentStep: number; totalSteps: number | null }): number | null {
  if (j.state === "succeeded") return 1;
  if (!j.totalSteps) return j.state === "running" ? null : 0;
  return Math.min(1, j.currentStep / j.totalSteps);
}

const COLUMNS = [
  { label: "Job" },
  { label: "State" },
  { label: "Progress", className: "w-44" },
  { label: "Base model" },
  { label: "Data" },
  { label: "Created" },
];

/** The team's jobs: a skeleton while loading, `empty` when there are none, the table (and `footer`) otherwise. */
export function JobsTable({
  team,
  jobs,
  loading,
  skeleton,
  empty,
  footer,
}: {
  team: string;
  jobs: Job[] | undefined;
  loading: boolean;
  skeleton: { rows: number; cols: number };
  empty: React.ReactNode;
  footer?: React.ReactNode;
}) {
  return (
    <DataTable
      loading={loading}
      rows={jobs}
      skeleton={skeleton}
      empty={empty}
      footer={footer}
      testId="jobs-table"
      columns={COLUMNS}
      row={(j) => <JobRow key={j.id} team={team} job={j} />}
    />
  );
}

function JobRow({ team, job: j }: { team: string; job: Job }) {
  const p = jobProgress(j);
  const ended =
    j.finishedAt && j.startedAt
      ? formatDuration(new Date(j.finishedAt).getTime() - new Date(j.startedAt).getTime())
      : null;
  return (
    <TR data-testid="job-row" data-job-id={j.id}>
      <TD>
        <Link href={`/t/${team}/jobs/${j.id}`} className="font-medium text-zinc-900 hover:text-accent-700">
          {j.name}
        </Link>
        <div className="text-xs text-zinc-500">
          {TECHNIQUE_LABELS[j.technique]} · {METHOD_LABELS[j.method].replace(" (CUDA only)", "")}
        </div>
      </TD>
      <TD>
        <StateBadge state={j.state} cancelling={j.cancelling} />
        {j.state === "pending_quota" && j.pendingReason && (
          <div
            className="mt-1 max-w-[14rem] text-xs leading-snug text-amber-700"
            title={j.pendingReason}
            data-testid="pending-reason"
          >
            {j.pendingReason}
          </div>
        )}
      </TD>
      <TD>
        {j.state === "running" || j.state === "succeeded" ? (
          <div className="flex items-center gap-2">
            <Progress value={p} className="h-1.5" tone={j.state === "succeeded" ? "green" : "accent"} />
            <span className="tabular w-10 shrink-0 text-right text-xs text-zinc-500">
              {p == null ? "" : `${Math.round(p * 100)}%`}
            </span>
          </div>
        ) : (
          <span className="text-xs text-zinc-400">
            {j.state === "failed" || j.state === "cancelled" ? (ended ?? "—") : "—"}
          </span>
        )}
      </TD>
      <TD className="max-w-[12rem] truncate">{j.baseModel.name}</TD>
      <TD className="max-w-[12rem] truncate text-zinc-500">
        {j.datasets.map((d) => `${d.datasetName} v${d.version}`).join(", ")}
      </TD>
      <TD className="whitespace-nowrap text-zinc-500">{formatRelative(j.createdAt)}</TD>
    </TR>
  );
}
