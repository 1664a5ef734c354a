/**
 * The small pieces that say how a comparison came out: the verdict badge, the confidence-interval bar around
 * zero, and the headline sentence coloured by its verdict.
 */
import { ArrowDownRight, ArrowUpRight, Minus } from "lucide-react";
import { Badge, cn } from "@/components/ui";
import { fmt, fmtCi, VERDICT_LABELS, type MetricRow, type Verdict } from "./report";

const TONE = { better: "green", not_significant: "neutral", significantly_worse: "red" } as const;

export function VerdictBadge({ verdict, className }: { verdict: Verdict; className?: string }) {
  const Icon = verdict === "better" ? ArrowUpRight : verdict === "significantly_worse" ? ArrowDownRight : Minus;
  return (
    <Badge tone={TONE[verdict]} className={className} data-testid="verdict-badge" data-verdict={verdict}>
      <Icon className="size-3" aria-hidden />
      {VERDICT_LABELS[verdict]}
    </Badge>
  );
}

const BAR_COLOR: Record<Verdict, string> = {
  better: "#10b981",
  not_significant: "#a1a1aa",
  significantly_worse: "#ef4444",
};

/**
 * The delta and its confidence interval on an axis centred on zero. The scale is the row's own (metrics differ
 * in scale), so the bar says where the interval lies against zero, not how big it is next to another row's.
 * The side that is better is shaded faintly green, so a lower-is-better metric reads the right way round.
 */
export function CiBar({ row, width = 120, height = 22 }: { row: MetricRow; width?: number; height?: number }) {
  const { delta, ciLow, ciHigh } = row;
  if (delta == null || ciLow == null || ciHigh == null) {
    return <span className="text-xs text-zinc-400">—</span>;
  }
  const span = Math.max(Math.abs(ciLow), Math.abs(ciHigh), Math.abs(delta)) * 1.15 || 1;
  const pad = 4;
  const x = (v: number) => pad + ((v + span) / (2 * span)) * (width - 2 * pad);
  const mid = height / 2;
  const color = BAR_COLOR[row.verdict];
  const betterRight = row.higherIsBetter;
  return (
    <svg
      width={width}
      height={height}
      role="img"
      aria-label={`delta ${fmt(delta, true)}, interval ${fmtCi(row)}`}
      viewBox={`0 0 ${width} ${height}`}
      data-testid="ci-bar"
      className="block shrink-0"
    >
      <title>{`Δ ${fmt(delta, true)}  CI ${fmtCi(row)}${row.higherIsBetter ? "" : " (lower is better)"}`}</title>
      <rect
        x={betterRight ? x(0) : pad}
        y={2}
        width={(width - 2 * pad) / 2}
        height={height - 4}
        fill="#ecfdf5"
        rx={2}
      />
      <line x1={pad} x2={width - pad} y1={mid} y2={mid} stroke="#e4e4e7" />
      <line x1={x(0)} x2={x(0)} y1={2} y2={height - 2} stroke="#71717a" strokeWidth={1} />
      <line x1={x(ciLow)} x2={x(ciHigh)} y1={mid} y2={mid} stroke={color} strokeWidth={4} strokeLinecap="round" />
      <circle cx={x(delta)} cy={mid} r={3.5} fill="white" stroke={color} strokeWidth={2} />
    </svg>
  );
}

const HEADLINE_STYLE: Record<Verdict, string> = {
  better: "border-emerald-200 bg-emerald-50 text-emerald-900",
  not_significant: "border-zinc-200 bg-white text-zinc-800",
  significantly_worse: "border-red-200 bg-red-50 text-red-900",
};

/** The report's own sentence, coloured by how the primary metric came out. */
export function Headline({
  text,
  verdict,
  size = "lg",
  className,
}: {
  text: string;
  verdict: Verdict;
  size?: "lg" | "sm";
  className?: string;
}) {
  return (
    <p
      className={cn(
        "rounded-xl border font-medium",
        size === "lg" ? "px-5 py-4 text-lg leading-snug tracking-tight" : "px-3 py-2 text-sm",
        HEADLINE_STYLE[verdict],
        className,
      )}
      data-testid="evaluation-headline"
      data-verdict={verdict}
    >
      {text}
    </p>
  );
}
