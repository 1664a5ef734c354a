/** One task's metrics, reference against one candidate: both values, the delta with its interval, the verdict. */
import { Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { fmt, fmtCi, type MetricRow } from "./report";
import { CiBar, VerdictBadge } from "./verdict";

export function MetricTable({
  rows,
  primary,
  baseLabel,
  candidateLabel,
  confidence,
}: {
  rows: MetricRow[];
  primary: string;
  baseLabel: string;
  candidateLabel: string;
  confidence: string;
}) {
  // The headline's metric first, then the report's order.
  const sorted = [...rows].sort((a, b) => Number(b.metric === primary) - Number(a.metric === primary));
  return (
    <Table data-testid="metric-table">
      <THead>
        <tr>
          <TH>Metric</TH>
          <TH className="text-right" title={baseLabel}>
            <span className="inline-block max-w-[10rem] truncate align-bottom">{baseLabel}</span>
          </TH>
          <TH className="text-right" title={candidateLabel}>
            <span className="inline-block max-w-[10rem] truncate align-bottom">{candidateLabel}</span>
          </TH>
          <TH className="text-right">Δ</TH>
          <TH className="w-36">{confidence} interval</TH>
          <TH>Verdict</TH>
        </tr>
      </THead>
      <TBody>
        {sorted.map((r) => (
          <TR key={`${r.task}/${r.metric}`} data-testid="metric-row" data-metric={r.metric} data-verdict={r.verdict}>
            <TD>
              <div className="flex items-center gap-2">
                <span className="font-medium whitespace-nowrap text-zinc-900">{r.label}</span>
                {r.metric === primary && (
                  <span className="rounded bg-accent-50 px-1.5 py-px text-[10px] font-semibold tracking-wide text-accent-700 uppercase">
                    primary
                  </span>
                )}
              </div>
              <div className="text-xs text-zinc-500">{r.higherIsBetter ? "higher is better" : "lower is better"}</div>
            </TD>
            <TD className="tabular text-right text-zinc-500">{fmt(r.base)}</TD>
            <TD className="tabular text-right font-medium text-zinc-900">{fmt(r.candidate)}</TD>
            <TD className="tabular text-right font-medium">
              <span
                className={cn(
                  r.verdict === "better"
                    ? "text-emerald-700"
                    : r.verdict === "significantly_worse"
                      ? "text-red-700"
                      : "text-zinc-500",
                )}
              >
                {fmt(r.delta, true)}
              </span>
            </TD>
            <TD>
              <CiBar row={r} />
              <div className="tabular mt-0.5 text-[11px] text-zinc-500">{fmtCi(r)}</div>
            </TD>
            <TD>
              <VerdictBadge verdict={r.verdict} />
            </TD>
          </TR>
        ))}
      </TBody>
    </Table>
  );
}
