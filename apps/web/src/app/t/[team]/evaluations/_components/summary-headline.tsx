/** The verdict of a stored summary (lists, the job page): its headline, coloured by the primary metrics. */
import { overallVerdict, primaryRow, type ReportSummary } from "./report";

export function summaryVerdict(summary: Pick<ReportSummary, "tasks" | "comparisons">) {
  return overallVerdict(
    summary.comparisons.flatMap((c) => summary.tasks.flatMap((t) => primaryRow(c.metrics, t)?.verdict ?? [])),
  );
}

const TEXT = { better: "text-emerald-700", not_significant: "text-zinc-600", significantly_worse: "text-red-700" };

export function SummaryHeadline({ summary, className }: { summary: ReportSummary; className?: string }) {
  const verdict = summaryVerdict(summary);
  return (
    <span
      className={`${TEXT[verdict]} ${className ?? ""}`}
      data-testid="evaluation-row-headline"
      data-verdict={verdict}
    >
      {summary.headline}
    </span>
  );
}
