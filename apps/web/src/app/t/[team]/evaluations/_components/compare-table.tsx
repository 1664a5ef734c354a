/**
 * Several models on one evaluation set: a row per model, a column per metric of one task, the best value of each
 * column highlighted and each candidate's delta against the reference under its value. A metric's direction comes
 * from the report's comparison rows; a metric only reported (never compared) has no "best".
 */
import { Crown } from "lucide-react";
import { Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { fmt, fmtCi, type MetricRow, type ReportSummary, type TaskScores } from "./report";

export function CompareTable({
  report,
  task,
  displayName,
}: {
  report: Pick<ReportSummary, "base" | "models" | "comparisons">;
  task: TaskScores;
  displayName: (model: string) => string;
}) {
  const rowsOf = new Map(report.comparisons.map((c) => [c.model, c.metrics.filter((r) => r.task === task.name)]));
  const direction = new Map<string, MetricRow>();
  for (const rows of rowsOf.values()) for (const r of rows) if (!direction.has(r.metric)) direction.set(r.metric, r);
  // Compared metrics (primary first) then the ones only reported.
  const scoreKeys = [...new Set(report.models.flatMap((m) => Object.keys(task.models[m]?.scores ?? {})))];
  const metrics = [
    ...[...direction.keys()].sort((a, b) => Number(b === task.primaryMetric) - Number(a === task.primaryMetric)),
    ...scoreKeys.filter((k) => !direction.has(k)),
  ];
  const best = new Map<string, number>();
  for (const metric of metrics) {
    const d = direction.get(metric);
    if (!d) continue;
    const values = report.models
      .map((m) => task.models[m]?.scores[metric])
      .filter((v): v is number => v != null && Number.isFinite(v));
    if (values.length) best.set(metric, d.higherIsBetter ? Math.max(...values) : Math.min(...values));
  }

  return (
    <Table data-testid="compare-table">
      <THead>
        <tr>
          <TH>Model</TH>
          {metrics.map((metric) => {
            const d = direction.get(metric);
            return (
              <TH key={metric} className="text-right">
                <div className={cn(metric === task.primaryMetric && "text-accent-700")}>{d?.label ?? metric}</div>
                <div className="text-[10px] font-normal text-zinc-400">
                  {d ? (d.higherIsBetter ? "↑ higher is better" : "↓ lower is better") : "reported"}
                </div>
              </TH>
            );
          })}
        </tr>
      </THead>
      <TBody>
        {report.models.map((model) => {
          const reference = model === report.base;
          const rows = rowsOf.get(model) ?? [];
          return (
            <TR key={model} data-testid="compare-row" data-model={model} className={cn(reference && "bg-zinc-50/70")}>
              <TD>
                <div className="max-w-[16rem] truncate font-medium text-zinc-900" title={displayName(model)}>
                  {displayName(model)}
                </div>
                {reference && <div className="text-xs text-zinc-500">reference</div>}
              </TD>
              {metrics.map((metric) => {
                const value = task.models[model]?.scores[metric];
                const isBest = value != null && best.get(metric) === value;
                const row = rows.find((r) => r.metric === metric);
                return (
                  <TD key={metric} className="text-right" data-best={isBest || undefined}>
                    <span
                      className={cn(
                        "tabular inline-flex items-center gap-1 rounded-md px-1.5 py-0.5",
                        isBest && "bg-emerald-50 font-semibold text-emerald-800 ring-1 ring-emerald-200 ring-inset",
                      )}
                      data-testid={isBest ? "compare-best" : undefined}
                    >
                      {isBest && <Crown className="size-3" aria-label="best" />}
                      {fmt(value)}
                    </span>
                    {row && (
                      <div
                        className={cn(
                          "tabular mt-0.5 text-[11px]",
                          row.verdict === "better"
                            ? "text-emerald-700"
                            : row.verdict === "significantly_worse"
                              ? "text-red-700"
                              : "text-zinc-400",
                        )}
                        title={`vs reference, interval ${fmtCi(row)}`}
                      >
                        {fmt(row.delta, true)}
                      </div>
                    )}
                  </TD>
                );
              })}
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}
