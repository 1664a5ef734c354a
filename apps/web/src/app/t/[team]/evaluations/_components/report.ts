/**
 * The evaluation report (reportVersion 1, written by the runner: gpu-runner/whetstone_runner/evaluation's docstring)
 * as the pages read it. The API checks the keys the platform relies on and passes the rest through, so the
 * kind-specific extras (per-class tables, confusion matrices) arrive as `unknown` and are narrowed here.
 * Directions and verdicts are the report's (`higherIsBetter`, `better`, `verdict`): nothing here recomputes them.
 */

export type Verdict = "better" | "not_significant" | "significantly_worse";

export interface MetricRow {
  task: string;
  metric: string;
  label: string;
  higherIsBetter: boolean;
  base: number | null;
  candidate: number | null;
  delta: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  better: boolean;
  verdict: Verdict;
}

export interface Warning {
  message: string;
  [key: string]: unknown;
}

export interface FlipSide {
  count: number;
  examples: Record<string, unknown>[];
}

/** A task as every view has it (the summary keeps scores only). */
export interface TaskScores {
  name: string;
  kind: string;
  examples: number;
  primaryMetric: string;
  models: Record<string, { scores: Record<string, number | null>; [key: string]: unknown }>;
}

/** What the summary (lists, the job page) and the whole report share. */
export interface ReportSummary {
  technique: string;
  base: string;
  models: string[];
  headline: string;
  warnings: Warning[];
  tasks: TaskScores[];
  comparisons: { model: string; headline: string; metrics: MetricRow[]; warnings: Warning[] }[];
}

export interface Comparison {
  model: string;
  headline: string;
  metrics: MetricRow[];
  flips: Record<string, { gained: FlipSide; lost: FlipSide }>;
  warnings: Warning[];
}

export interface Report extends ReportSummary {
  bootstrap: Record<string, unknown>;
  comparisons: Comparison[];
}

/** The row of a comparison for a task's primary metric (the one the headline is about). */
export function primaryRow(metrics: MetricRow[], task: Pick<TaskScores, "name" | "primaryMetric">) {
  return metrics.find((r) => r.task === task.name && r.metric === task.primaryMetric) ?? null;
}

/** A set of verdicts as one: red when any is significantly worse, green when all are better, neutral otherwise. */
export function overallVerdict(verdicts: Verdict[]): Verdict {
  if (verdicts.includes("significantly_worse")) return "significantly_worse";
  if (verdicts.length && verdicts.every((v) => v === "better")) return "better";
  return "not_significant";
}

export const VERDICT_LABELS: Record<Verdict, string> = {
  better: "Better",
  not_significant: "Not significant",
  significantly_worse: "Worse",
};

// --- kind-specific extras -------------------------------------------------------------------------------------

export interface PerClass {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ConfusionMatrix {
  labels: string[];
  matrix: number[][];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

export function perClassOf(model: unknown): PerClass[] | null {
  if (!isRecord(model) || !Array.isArray(model.perClass)) return null;
  const rows = model.perClass.filter(
    (r): r is Record<string, unknown> => isRecord(r) && typeof r.precision === "number" && typeof r.recall === "number",
  );
  return rows.map((r) => ({
    label: String(r.label),
    precision: r.precision as number,
    recall: r.recall as number,
    f1: typeof r.f1 === "number" ? r.f1 : NaN,
    support: typeof r.support === "number" ? r.support : 0,
  }));
}

export function confusionOf(model: unknown): ConfusionMatrix | null {
  if (!isRecord(model) || !isRecord(model.confusionMatrix)) return null;
  const { labels, matrix } = model.confusionMatrix;
  if (!Array.isArray(labels) || !Array.isArray(matrix)) return null;
  if (matrix.length !== labels.length || !matrix.every((r) => Array.isArray(r) && r.length === labels.length))
    return null;
  return { labels: labels.map(String), matrix: matrix.map((r: unknown[]) => r.map((x) => Number(x) || 0)) };
}

// --- numbers --------------------------------------------------------------------------------------------------

/** Three significant digits, as the runner writes them in headlines: 0.31, 0.0123, 12.3, 1.23e+3. */
export function fmt(x: number | null | undefined, sign = false): string {
  if (x == null || !Number.isFinite(x)) return "—";
  const abs = Math.abs(x);
  let s = abs !== 0 && (abs >= 1e4 || abs < 1e-3) ? x.toExponential(2) : String(Number(x.toPrecision(3)));
  if (sign && x > 0) s = `+${s}`;
  return s;
}

export const fmtCi = (row: Pick<MetricRow, "ciLow" | "ciHigh">) => `[${fmt(row.ciLow)}, ${fmt(row.ciHigh)}]`;

/** The confidence the report's intervals are at, as "95%". */
export function confidenceLabel(bootstrap: Record<string, unknown> | undefined): string {
  const c = typeof bootstrap?.confidence === "number" ? bootstrap.confidence : 0.95;
  return `${Number((c * 100).toPrecision(3))}%`;
}

/** Flip examples hold strings for generations and labels for classification; anything else is shown as JSON. */
export function text(v: unknown): string {
  if (v == null) return "";
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v);
}

/** How each model was scored ("classifier head", "zero-shot label likelihood"), from the runner's `evaluation` block. */
export function methodsOf(report: { [key: string]: unknown } | null | undefined): Record<string, string> {
  const byTask = isRecord(report?.evaluation) && isRecord(report.evaluation.methods) ? report.evaluation.methods : {};
  const out: Record<string, string> = {};
  for (const models of Object.values(byTask)) {
    if (!isRecord(models)) continue;
    for (const [label, method] of Object.entries(models)) if (typeof method === "string") out[label] ??= method;
  }
  return out;
}
