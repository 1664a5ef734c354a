"use client";
/**
 * The project's curve: the held-out metric against the number of labels, one point per evaluated round, the base
 * model's score as a dashed line, and — when a simulation has finished — its strategy and random curves (mean over
 * seeds, ± one standard deviation as a band) on the same axes.
 */
import { simulationReportSchema } from "@whetstone/queue";
import { TrendingUp } from "lucide-react";
import { Card, CardBody, CardHeader } from "@/components/ui";
import { CurveChart, type CurveSeries } from "../_components/curve-chart";
import { formatMetric, metricLabel, strategyLabel, type Project } from "../_components/strategies";

const ROUNDS_COLOR = "#4f46e5";
const SIM_COLORS = ["#f59e0b", "#10b981", "#ec4899", "#0ea5e9", "#8b5cf6", "#ef4444"];
const RANDOM_COLOR = "#a1a1aa";

export function simulationReport(p: Project) {
  if (p.simulation?.state !== "succeeded") return null;
  const parsed = simulationReportSchema.safeParse(p.simulation.report);
  return parsed.success ? parsed.data : null;
}

export function CurveCard({ project: p }: { project: Project }) {
  const metric = p.curve.metric ?? (p.task === "classification" ? "macro_f1" : null);
  const format = (v: number) => formatMetric(metric, v);
  const report = simulationReport(p);
  // The simulation measures accuracy and macro-F1; show the one the rounds are measured in.
  const simKey = metric === "accuracy" ? "accuracy" : "f1Macro";
  const series: CurveSeries[] = [
    {
      key: "rounds",
      label: "Your rounds",
      color: ROUNDS_COLOR,
      points: p.curve.points.map((pt) => ({
        x: pt.labels,
        y: pt.value,
        title: `Round ${pt.round}: ${format(pt.value)} with ${pt.labels} labels`,
      })),
    },
  ];
  if (report) {
    report.curves.forEach((c, i) => {
      const random = c.strategy === "random";
      series.push({
        key: `sim-${c.strategy}`,
        label: `Simulated · ${strategyLabel(c.strategy)}`,
        color: random ? RANDOM_COLOR : SIM_COLORS[i % SIM_COLORS.length]!,
        dashed: true,
        points: c.points.map((pt) => {
          const m = pt[simKey];
          return { x: pt.labels, y: m.mean, lo: m.mean - m.std, hi: m.mean + m.std };
        }),
      });
    });
  }
  const last = p.curve.points.at(-1);
  const empty = p.curve.points.length === 0 && p.curve.base == null && !report;
  return (
    <Card className="h-full">
      <CardHeader
        title={`${metricLabel(metric)} on the held-out set`}
        description={`${p.heldOut.name} v${p.heldOut.version} · ${p.heldOut.rows} rows, never trained on`}
        action={
          last && (
            <div className="text-right">
              <div className="tabular text-lg font-semibold text-zinc-900" data-testid="curve-latest">
                {format(last.value)}
              </div>
              <div className="text-xs text-zinc-500">with {last.labels} labels</div>
            </div>
          )
        }
      />
      <CardBody>
        {empty ? (
          <div
            className="flex h-56 flex-col items-center justify-center text-center text-sm text-zinc-500"
            data-testid="learning-curve"
            data-points={0}
          >
            <TrendingUp className="mb-3 size-8 text-zinc-300" aria-hidden />
            The curve starts when the first round is trained and scored on the held-out set.
          </div>
        ) : (
          <CurveChart
            testId="learning-curve"
            data-points={p.curve.points.length}
            series={series}
            baseline={p.curve.base != null ? { value: p.curve.base, label: "base model" } : null}
            format={format}
          />
        )}
        {report && (
          <p className="mt-3 text-xs text-zinc-500">
            Simulated curves: {report.learner}, on {report.poolSize} rows of a labelled dataset with{" "}
            {report.heldOutSize} held out, over {report.seeds} seeds (band: ± one standard deviation). Compare their
            shapes, not their heights.
          </p>
        )}
      </CardBody>
    </Card>
  );
}
