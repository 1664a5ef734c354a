"use client";
/**
 * A finished evaluation's report: the verdict, warnings, the compare table when several models were evaluated,
 * then per task the metric table, the classification extras and the flips, for one candidate against the
 * reference (a picker chooses the candidate when there are several).
 */
import { AlertTriangle } from "lucide-react";
import { useState } from "react";
import { Card, CardBody, CardHeader, cn } from "@/components/ui";
import { ConfusionMatrices, PerClassTable } from "./classification";
import { CompareTable } from "./compare-table";
import { FlipsTable } from "./flips-table";
import { MetricTable } from "./metric-table";
import {
  confidenceLabel,
  confusionOf,
  fmt,
  fmtCi,
  overallVerdict,
  perClassOf,
  primaryRow,
  type Comparison,
  type Report,
  type TaskScores,
  type Warning,
} from "./report";
import { CiBar, Headline, VerdictBadge } from "./verdict";

const KIND_LABELS: Record<string, string> = {
  classification: "classification",
  sft: "supervised fine-tuning",
  continued_pretraining: "continued pre-training",
  preference: "preference tuning (DPO)",
};

export function ReportView({ report }: { report: Report }) {
  const [selected, setSelected] = useState(report.comparisons[0]?.model);
  const comparison = report.comparisons.find((c) => c.model === selected) ?? report.comparisons[0];
  const confidence = confidenceLabel(report.bootstrap);
  const multiTask = report.tasks.length > 1;
  if (!comparison) return null;
  const several = report.comparisons.length > 1;

  return (
    <div className="space-y-6" data-testid="evaluation-report">
      {several && (
        <Card data-testid="compare-view">
          <CardHeader
            title={`${report.models.length} models on one evaluation set`}
            description={`Every model's scores; the best of each metric highlighted, deltas against ${report.base}.`}
          />
          {report.tasks.map((task) => (
            <div key={task.name}>
              {multiTask && <TaskTitle task={task} className="px-5 pt-4" />}
              <CompareTable report={report} task={task} displayName={(m) => m} />
            </div>
          ))}
        </Card>
      )}

      {several && (
        <div className="flex flex-wrap items-center gap-1.5" role="tablist" data-testid="candidate-picker">
          <span className="mr-1 text-[13px] text-zinc-500">Details for</span>
          {report.comparisons.map((c) => (
            <button
              key={c.model}
              type="button"
              role="tab"
              aria-selected={c.model === comparison.model}
              onClick={() => setSelected(c.model)}
              className={cn(
                "max-w-[16rem] truncate rounded-full px-3 py-1 text-[13px] font-medium transition-colors",
                c.model === comparison.model
                  ? "bg-zinc-900 text-white"
                  : "bg-white text-zinc-600 ring-1 ring-zinc-200 hover:bg-zinc-50",
              )}
            >
              {c.model}
            </button>
          ))}
          <span className="ml-1 text-[13px] text-zinc-500">vs {report.base}</span>
        </div>
      )}

      <VerdictCard report={report} comparison={comparison} confidence={confidence} />
      <Warnings warnings={comparison.warnings} />

      {report.tasks.map((task) => (
        <TaskSection
          key={task.name}
          task={task}
          report={report}
          comparison={comparison}
          confidence={confidence}
          multiTask={multiTask}
        />
      ))}
    </div>
  );
}

function VerdictCard({
  report,
  comparison,
  confidence,
}: {
  report: Report;
  comparison: Comparison;
  confidence: string;
}) {
  const primaries = report.tasks.map((t) => ({ task: t, row: primaryRow(comparison.metrics, t) }));
  const verdict = overallVerdict(primaries.flatMap((p) => (p.row ? [p.row.verdict] : [])));
  return (
    <section className="grid items-stretch gap-3 lg:grid-cols-[1fr_24rem]" data-testid="verdict">
      <Headline text={comparison.headline} verdict={verdict} className="flex items-center" />
      <div className="space-y-3">
        {primaries.map(({ task, row }) =>
          row ? (
            <Card key={task.name} className="px-5 py-4" data-testid="primary-metric">
              <div className="flex items-center justify-between gap-2 text-[13px] font-medium text-zinc-500">
                <span className="truncate">
                  {row.label}
                  {report.tasks.length > 1 && <span className="text-zinc-400"> · {task.name}</span>}
                </span>
                <VerdictBadge verdict={row.verdict} />
              </div>
              <div className="mt-2 flex items-baseline gap-2">
                <span className="tabular text-sm text-zinc-400" title={report.base}>
                  {fmt(row.base)}
                </span>
                <span className="text-zinc-300">→</span>
                <span className="tabular text-2xl font-semibold tracking-tight text-zinc-900">
                  {fmt(row.candidate)}
                </span>
                <span
                  className={cn(
                    "tabular text-sm font-medium",
                    row.verdict === "better"
                      ? "text-emerald-700"
                      : row.verdict === "significantly_worse"
                        ? "text-red-700"
                        : "text-zinc-500",
                  )}
                >
                  {fmt(row.delta, true)}
                </span>
              </div>
              <div className="mt-2">
                <CiBar row={row} width={220} />
                <div className="tabular mt-0.5 text-xs text-zinc-500">
                  {confidence} CI {fmtCi(row)}
                </div>
              </div>
              {!row.higherIsBetter && <div className="mt-1 text-xs text-zinc-400">lower is better</div>}
            </Card>
          ) : null,
        )}
      </div>
    </section>
  );
}

export function Warnings({ warnings }: { warnings: Warning[] }) {
  if (!warnings.length) return null;
  const significant = warnings.some((w) => w.severity === "significantly worse");
  return (
    <div
      role={significant ? "alert" : "status"}
      className={cn(
        "rounded-xl border px-4 py-3",
        significant ? "border-red-200 bg-red-50 text-red-900" : "border-amber-200 bg-amber-50 text-amber-900",
      )}
      data-testid="evaluation-warnings"
    >
      <div className="flex items-center gap-2 text-sm font-semibold">
        <AlertTriangle className="size-4 shrink-0" aria-hidden />
        {warnings.length === 1 ? "1 metric got worse" : `${warnings.length} metrics got worse`}
      </div>
      <ul className="mt-1.5 space-y-1 pl-6 text-[13px] leading-snug">
        {warnings.map((w, i) => (
          <li key={i} className="list-disc" data-testid="evaluation-warning">
            {w.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function TaskTitle({ task, className }: { task: TaskScores; className?: string }) {
  return (
    <div className={cn("flex items-baseline gap-2", className)}>
      <h3 className="text-sm font-semibold text-zinc-900">{task.name}</h3>
      <span className="text-xs text-zinc-500">
        {KIND_LABELS[task.kind] ?? task.kind} · {task.examples.toLocaleString("en-US")} examples
      </span>
    </div>
  );
}

function TaskSection({
  task,
  report,
  comparison,
  confidence,
  multiTask,
}: {
  task: TaskScores;
  report: Report;
  comparison: Comparison;
  confidence: string;
  multiTask: boolean;
}) {
  const rows = comparison.metrics.filter((r) => r.task === task.name);
  const taskWarnings = comparison.warnings.filter((w) => w.task === task.name);
  const base = task.models[report.base];
  const cand = task.models[comparison.model];
  const basePerClass = perClassOf(base);
  const candPerClass = perClassOf(cand);
  const flips = comparison.flips[task.name];
  return (
    <section className="space-y-6" data-testid="task-section" data-task={task.name}>
      <Card>
        <CardHeader
          title={multiTask ? <TaskTitle task={task} /> : "Metrics"}
          description={
            multiTask
              ? undefined
              : `${KIND_LABELS[task.kind] ?? task.kind} · ${task.examples.toLocaleString("en-US")} examples · ${confidence} paired bootstrap intervals of ${comparison.model} − ${report.base}`
          }
        />
        {multiTask && taskWarnings.length > 0 && (
          <div className="px-5 pt-4">
            <Warnings warnings={taskWarnings} />
          </div>
        )}
        <MetricTable
          rows={rows}
          primary={task.primaryMetric}
          baseLabel={report.base}
          candidateLabel={comparison.model}
          confidence={confidence}
        />
      </Card>

      {task.kind === "classification" && (confusionOf(base) || confusionOf(cand)) && (
        <Card>
          <CardHeader
            title="Confusion matrices"
            description="Rows: true label; columns: predicted. Shade: share of the true label's examples."
          />
          <CardBody>
            <ConfusionMatrices
              models={[
                { label: report.base, matrix: confusionOf(base) },
                { label: comparison.model, matrix: confusionOf(cand) },
              ]}
            />
          </CardBody>
        </Card>
      )}

      {basePerClass && candPerClass && (
        <Card>
          <CardHeader
            title="Per class"
            description={
              <>
                <span className="mr-1 inline-block h-1.5 w-3 rounded-full bg-zinc-300 align-middle" /> {report.base}
                <span className="mr-1 ml-3 inline-block h-1.5 w-3 rounded-full bg-accent-500 align-middle" />{" "}
                {comparison.model}
              </>
            }
          />
          <PerClassTable
            base={basePerClass}
            candidate={candPerClass}
            baseLabel={report.base}
            candidateLabel={comparison.model}
          />
        </Card>
      )}

      {flips && (
        <Card>
          <CardHeader
            title="Flips"
            description="Examples one model got right and the other wrong, with both outputs."
          />
          <FlipsTable flips={flips} baseLabel={report.base} candidateLabel={comparison.model} />
        </Card>
      )}
    </section>
  );
}
