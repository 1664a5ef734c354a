/**
 * Classification extras of two models side by side: their confusion matrices (cells shaded by the share of the
 * true class's examples, green on the diagonal, red off it) and per-class precision and recall.
 */
import { Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { fmt, type ConfusionMatrix, type PerClass } from "./report";

export function ConfusionMatrices({ models }: { models: { label: string; matrix: ConfusionMatrix | null }[] }) {
  const shown = models.filter((m): m is { label: string; matrix: ConfusionMatrix } => m.matrix != null);
  if (!shown.length) return null;
  return (
    <div className="grid gap-6 md:grid-cols-2" data-testid="confusion-matrices">
      {shown.map((m) => (
        <Matrix key={m.label} label={m.label} cm={m.matrix} />
      ))}
    </div>
  );
}

function cellStyle(share: number, diagonal: boolean): React.CSSProperties {
  if (share <= 0) return { background: "#fafafa", color: "#a1a1aa" };
  // emerald-500 / red-500 at an opacity that follows the share; dark text until the cell gets dark.
  const rgb = diagonal ? "16 185 129" : "239 68 68";
  const alpha = 0.08 + 0.82 * share;
  return { background: `rgb(${rgb} / ${alpha})`, color: alpha > 0.55 ? "white" : diagonal ? "#065f46" : "#991b1b" };
}

function Matrix({ label, cm }: { label: string; cm: ConfusionMatrix }) {
  const totals = cm.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  return (
    <figure className="min-w-0" data-testid="confusion-matrix">
      <figcaption className="mb-2 truncate text-[13px] font-medium text-zinc-700" title={label}>
        {label}
      </figcaption>
      <div className="overflow-x-auto">
        <table className="border-separate border-spacing-0.5 text-xs">
          <thead>
            <tr>
              <th className="px-1 pb-1 text-left align-bottom text-[11px] font-normal text-zinc-400">
                true ↓ / pred →
              </th>
              {cm.labels.map((l) => (
                <th key={l} className="max-w-[5rem] truncate px-1 pb-1 text-center font-medium text-zinc-600" title={l}>
                  {l}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {cm.matrix.map((row, i) => (
              <tr key={cm.labels[i]}>
                <th
                  className="max-w-[8rem] truncate pr-2 text-right font-medium text-zinc-600"
                  title={`${cm.labels[i]} (${totals[i]} examples)`}
                >
                  {cm.labels[i]}
                </th>
                {row.map((n, j) => {
                  const share = totals[i] ? n / totals[i]! : 0;
                  return (
                    <td
                      key={j}
                      className="tabular size-11 min-w-11 rounded text-center font-medium"
                      style={cellStyle(share, i === j)}
                      title={`true ${cm.labels[i]}, predicted ${cm.labels[j]}: ${n} of ${totals[i]} (${Math.round(share * 100)}%)`}
                    >
                      {n}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

/** Precision and recall per class, the reference's next to the candidate's, with a bar each. */
export function PerClassTable({
  base,
  candidate,
  baseLabel,
  candidateLabel,
}: {
  base: PerClass[];
  candidate: PerClass[];
  baseLabel: string;
  candidateLabel: string;
}) {
  const byLabel = new Map(base.map((r) => [r.label, r]));
  return (
    <Table data-testid="per-class-table">
      <THead>
        <tr>
          <TH>Class</TH>
          <TH className="text-right">Support</TH>
          <TH>Precision</TH>
          <TH>Recall</TH>
        </tr>
      </THead>
      <TBody>
        {candidate.map((c) => {
          const b = byLabel.get(c.label);
          return (
            <TR key={c.label} data-testid="per-class-row">
              <TD className="font-medium text-zinc-900">{c.label}</TD>
              <TD className="tabular text-right text-zinc-500">{c.support}</TD>
              <TD>
                <PairBars
                  base={b?.precision}
                  candidate={c.precision}
                  baseLabel={baseLabel}
                  candidateLabel={candidateLabel}
                />
              </TD>
              <TD>
                <PairBars base={b?.recall} candidate={c.recall} baseLabel={baseLabel} candidateLabel={candidateLabel} />
              </TD>
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}

function PairBars(p: { base?: number; candidate: number; baseLabel: string; candidateLabel: string }) {
  const delta = p.base == null ? null : p.candidate - p.base;
  return (
    <div className="flex min-w-[11rem] items-center gap-3">
      <div className="w-24 space-y-1">
        <Bar value={p.base} className="bg-zinc-300" title={`${p.baseLabel}: ${fmt(p.base)}`} />
        <Bar value={p.candidate} className="bg-accent-500" title={`${p.candidateLabel}: ${fmt(p.candidate)}`} />
      </div>
      <div className="tabular text-xs leading-tight">
        <div className="text-zinc-900">{fmt(p.candidate)}</div>
        {delta != null && (
          <div className={cn(delta > 0 ? "text-emerald-700" : delta < 0 ? "text-red-700" : "text-zinc-400")}>
            {fmt(delta, true)}
          </div>
        )}
      </div>
    </div>
  );
}

function Bar({ value, className, title }: { value?: number; className: string; title: string }) {
  return (
    <div className="h-1.5 rounded-full bg-zinc-100" title={title}>
      <div
        className={cn("h-full rounded-full", className)}
        style={{ width: `${Math.max(0, Math.min(1, value ?? 0)) * 100}%` }}
      />
    </div>
  );
}
