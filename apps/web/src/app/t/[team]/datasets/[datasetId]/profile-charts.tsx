import type { DatasetProfile } from "@whetstone/core";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatCompact, formatNumber } from "@/lib/format";

/** Characters per row, over the log-spaced buckets that have rows. */
export function LengthHistogram({ profile }: { profile: DatasetProfile }) {
  // Buckets are fixed (log-spaced); show the range that has rows.
  const first = profile.lengthHistogram.findIndex((b) => b.count > 0);
  const last = profile.lengthHistogram.findLastIndex((b) => b.count > 0);
  const data = (first < 0 ? [] : profile.lengthHistogram.slice(first, last + 1)).map((b) => ({
    range: `${formatCompact(b.start)}–${formatCompact(b.end)}`,
    count: b.count,
  }));
  if (!data.length) return <p className="py-10 text-center text-sm text-zinc-500">No rows with text.</p>;
  return (
    <div className="h-56" data-testid="length-histogram">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 4, left: -12, bottom: 0 }}>
          <CartesianGrid vertical={false} stroke="#f4f4f5" />
          <XAxis
            dataKey="range"
            tick={{ fontSize: 11, fill: "#71717a" }}
            tickLine={false}
            axisLine={{ stroke: "#e4e4e7" }}
            interval="preserveStartEnd"
          />
          <YAxis tick={{ fontSize: 11, fill: "#71717a" }} tickLine={false} axisLine={false} allowDecimals={false} />
          <Tooltip
            cursor={{ fill: "rgba(99,102,241,0.06)" }}
            contentStyle={{ borderRadius: 8, border: "1px solid #e4e4e7", fontSize: 12 }}
            formatter={(value) => [formatNumber(Number(value)), "rows"]}
            labelFormatter={(l) => `${l} characters`}
          />
          <Bar dataKey="count" fill="#6366f1" radius={[4, 4, 0, 0]} maxBarSize={48} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

/** How many rows carry each label (classification data), the 24 most common. */
export function LabelBars({ labels }: { labels: Record<string, number> }) {
  const entries = Object.entries(labels).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const max = entries[0]?.[1] ?? 1;
  const shown = entries.slice(0, 24);
  return (
    <div className="space-y-2">
      {shown.map(([label, n]) => (
        <div key={label} className="grid grid-cols-[10rem_1fr_6rem] items-center gap-3 text-sm">
          <span className="truncate font-mono text-xs text-zinc-700" title={label}>
            {label}
          </span>
          <div className="h-2.5 rounded-full bg-zinc-100">
            <div className="h-full rounded-full bg-accent-500" style={{ width: `${(n / max) * 100}%` }} />
          </div>
          <span className="tabular text-right text-xs text-zinc-500">
            {formatNumber(n)} · {((n / total) * 100).toFixed(1)}%
          </span>
        </div>
      ))}
      {entries.length > shown.length && (
        <p className="pt-1 text-xs text-zinc-500">and {entries.length - shown.length} more labels</p>
      )}
    </div>
  );
}
