"use client";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { RouterOutputs } from "@/lib/trpc";

type Series = RouterOutputs["jobs"]["metrics"]["series"];

const COLORS = ["#4f46e5", "#f59e0b", "#10b981", "#ec4899", "#0ea5e9", "#8b5cf6", "#ef4444", "#14b8a6"];

export function seriesColor(name: string, index: number) {
  if (name === "train_loss") return "#4f46e5";
  if (name === "val_loss") return "#f59e0b";
  return COLORS[(index + 2) % COLORS.length]!;
}

/** Rows keyed by step with one column per series, for recharts. */
export function mergeSeries(series: Series, names: string[]) {
  const rows = new Map<number, Record<string, number>>();
  for (const s of series) {
    if (!names.includes(s.name)) continue;
    for (const p of s.points) {
      const row = rows.get(p.step) ?? { step: p.step, epoch: p.epoch };
      row[s.name] = p.value;
      rows.set(p.step, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.step! - b.step!);
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));

export function MetricChart({
  series,
  names,
  testId,
  height = 260,
  percent,
}: {
  series: Series;
  names: string[];
  testId: string;
  height?: number;
  percent?: boolean;
}) {
  const data = mergeSeries(series, names);
  const present = names.filter((n) => series.some((s) => s.name === n && s.points.length));
  return (
    <div style={{ height }} data-testid={testId} data-points={data.length}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 8, right: 12, left: -8, bottom: 0 }}>
          <CartesianGrid stroke="#f4f4f5" vertical={false} />
          <XAxis
            dataKey="step"
            type="number"
            domain={["dataMin", "dataMax"]}
            tick={{ fontSize: 11, fill: "#71717a" }}
            tickLine={false}
            axisLine={{ stroke: "#e4e4e7" }}
            allowDecimals={false}
          />
          <YAxis
            tick={{ fontSize: 11, fill: "#71717a" }}
            tickLine={false}
            axisLine={false}
            domain={percent ? [0, 1] : ["auto", "auto"]}
            tickFormatter={(v: number) => (percent ? `${Math.round(v * 100)}%` : fmt(v))}
            width={52}
          />
          <Tooltip
            contentStyle={{
              borderRadius: 8,
              border: "1px solid #e4e4e7",
              fontSize: 12,
              boxShadow: "0 4px 12px rgba(0,0,0,0.06)",
            }}
            labelFormatter={(step) => `step ${step}`}
            formatter={(v, n) => [percent ? `${(Number(v) * 100).toFixed(1)}%` : fmt(Number(v)), String(n)]}
          />
          <Legend iconType="plainline" wrapperStyle={{ fontSize: 12, paddingTop: 8 }} />
          {present.map((n, i) => (
            <Line
              key={n}
              type="monotone"
              dataKey={n}
              name={n}
              stroke={seriesColor(n, i)}
              strokeWidth={n === "train_loss" ? 1.75 : 2}
              strokeDasharray={n.startsWith("val_loss:") ? "5 4" : undefined}
              dot={n.startsWith("val") ? { r: 2.5, strokeWidth: 0, fill: seriesColor(n, i) } : false}
              activeDot={{ r: 4 }}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
