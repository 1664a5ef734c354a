"use client";
/** Every round: how its batch was picked, how far it is labelled, its training job and its held-out score. */
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Badge, Card, CardHeader, EmptyState, Progress, StateBadge, TD, TR } from "@/components/ui";
import { formatNumber, formatRelative } from "@/lib/format";
import { EvaluationStateBadge } from "../../evaluations/_components/evaluation-status";
import { formatMetric, metricLabel, strategyLabel, type Project, type Round } from "../_components/strategies";
import { Layers } from "lucide-react";

const COLUMNS = [
  { label: "Round", className: "w-16" },
  { label: "Picked by" },
  { label: "Labelled", className: "w-40" },
  { label: "Training" },
  { label: "Held-out score" },
  { label: "Started" },
];

export function RoundsTable({ project: p, team }: { project: Project; team: string }) {
  return (
    <Card>
      <CardHeader title="Rounds" description="Each round picks a batch, trains on every label so far and is scored." />
      <DataTable
        loading={false}
        rows={[...p.rounds].reverse()}
        testId="rounds-table"
        columns={COLUMNS}
        row={(r) => <RoundRow key={r.id} r={r} team={team} metric={p.curve.metric} />}
        empty={
          <EmptyState
            icon={Layers}
            title="No round yet"
            description="Pick the first batch: the base model hands out rows from across the pool."
          />
        }
      />
    </Card>
  );
}

function RoundRow({ r, team, metric }: { r: Round; team: string; metric: string | null }) {
  const scoring = r.state === "queued" || r.state === "running";
  return (
    <TR data-testid="round-row" data-round={r.number} data-state={r.state}>
      <TD className="tabular font-medium text-zinc-900">{r.number}</TD>
      <TD>
        <div className="text-zinc-800">{strategyLabel(r.strategy)}</div>
        <div className="max-w-[14rem] truncate text-xs text-zinc-500" title={r.scoringModel.name}>
          {r.number === 0 ? "your labelled seed" : `scored by ${r.scoringModel.name}`}
        </div>
      </TD>
      <TD>
        {scoring ? (
          <div className="w-32" data-testid="round-scoring">
            <div className="mb-1 text-xs text-zinc-500">
              {r.progressTotal
                ? `scoring ${formatNumber(r.progressDone)} / ${formatNumber(r.progressTotal)}`
                : "queued"}
            </div>
            <Progress
              value={r.progressTotal ? r.progressDone / r.progressTotal : r.state === "running" ? null : 0}
              className="h-1.5"
            />
          </div>
        ) : r.state === "failed" || r.state === "cancelled" ? (
          <Badge tone={r.state === "failed" ? "red" : "neutral"} title={r.error ?? undefined}>
            picking {r.state}
          </Badge>
        ) : r.number === 0 ? (
          <span className="text-zinc-500">—</span>
        ) : (
          <div className="w-32">
            <div className="tabular mb-1 text-xs text-zinc-600" data-testid="round-labelled">
              {r.labelled} / {r.picked}
            </div>
            <Progress value={r.picked ? r.labelled / r.picked : 0} tone="green" className="h-1.5" />
          </div>
        )}
      </TD>
      <TD>
        {r.trainJob ? (
          <div className="flex flex-col items-start gap-1">
            <Link
              href={`/t/${team}/jobs/${r.trainJob.id}`}
              className="max-w-[14rem] truncate text-[13px] font-medium text-accent-700 hover:underline"
              data-testid="round-job-link"
            >
              {r.labelCount != null ? `${r.labelCount} labels` : r.trainJob.name}
            </Link>
            <StateBadge state={r.trainJob.state} />
          </div>
        ) : (
          <span className="text-zinc-400">not trained</span>
        )}
      </TD>
      <TD>
        {r.evaluation ? (
          <div className="flex flex-col items-start gap-1" data-testid="round-evaluation">
            {r.evaluation.value != null ? (
              <Link
                href={`/t/${team}/evaluations/${r.evaluation.id}`}
                className="tabular font-semibold text-zinc-900 hover:text-accent-700"
                data-testid="round-metric"
              >
                {formatMetric(r.evaluation.metric, r.evaluation.value)}{" "}
                <span className="text-xs font-normal text-zinc-500">{metricLabel(r.evaluation.metric ?? metric)}</span>
              </Link>
            ) : (
              <Link href={`/t/${team}/evaluations/${r.evaluation.id}`} className="hover:opacity-80">
                <EvaluationStateBadge state={r.evaluation.state} />
              </Link>
            )}
          </div>
        ) : (
          <span className="text-zinc-400">—</span>
        )}
      </TD>
      <TD className="whitespace-nowrap text-zinc-500">{formatRelative(r.createdAt)}</TD>
    </TR>
  );
}
