/**
 * The evaluation report the runner writes (`reportVersion` 1; shape in gpu-runner/whetstone_runner/evaluation's
 * docstring), read leniently: the keys the platform relies on are checked, everything else passes through so a
 * runner that adds a field does not break the platform. `summarizeReport` keeps the small part stored in
 * `Evaluation.summary` (lists, the job page); the API reads the whole report (flips with their examples) from storage.
 */
import { z } from "zod";

const metricRowSchema = z.looseObject({
  task: z.string(),
  metric: z.string(),
  label: z.string(),
  higherIsBetter: z.boolean(),
  base: z.number().nullable(),
  candidate: z.number().nullable(),
  delta: z.number().nullable(),
  ciLow: z.number().nullable(),
  ciHigh: z.number().nullable(),
  better: z.boolean(),
  verdict: z.enum(["better", "not_significant", "significantly_worse"]),
});

const warningSchema = z.looseObject({ message: z.string() });

const flipSideSchema = z.looseObject({
  count: z.number().int().min(0),
  examples: z.array(z.record(z.string(), z.unknown())).default([]),
});

const taskSchema = z.looseObject({
  name: z.string(),
  kind: z.string(),
  examples: z.number().int().min(0),
  primaryMetric: z.string(),
  models: z.record(z.string(), z.looseObject({ scores: z.record(z.string(), z.number().nullable()) })),
});

const comparisonSchema = z.looseObject({
  model: z.string(),
  headline: z.string(),
  metrics: z.array(metricRowSchema),
  flips: z.record(z.string(), z.looseObject({ gained: flipSideSchema, lost: flipSideSchema })).default({}),
  warnings: z.array(warningSchema).default([]),
});

export const evaluationReportSchema = z.looseObject({
  reportVersion: z.literal(1),
  technique: z.string(),
  base: z.string(),
  models: z.array(z.string()).min(1),
  bootstrap: z.record(z.string(), z.unknown()).default({}),
  headline: z.string(),
  warnings: z.array(warningSchema).default([]),
  tasks: z.array(taskSchema),
  comparisons: z.array(comparisonSchema),
});
export type EvaluationReport = z.infer<typeof evaluationReportSchema>;

/** What `Evaluation.summary` holds: the report without per-example data (scores only, flip counts only). */
export const evaluationSummarySchema = z.object({
  reportVersion: z.literal(1),
  technique: z.string(),
  base: z.string(),
  models: z.array(z.string()),
  headline: z.string(),
  warnings: z.array(warningSchema),
  tasks: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      examples: z.number().int(),
      primaryMetric: z.string(),
      models: z.record(z.string(), z.object({ scores: z.record(z.string(), z.number().nullable()) })),
    }),
  ),
  comparisons: z.array(
    z.object({
      model: z.string(),
      headline: z.string(),
      metrics: z.array(metricRowSchema),
      flips: z.record(z.string(), z.object({ gained: z.number().int(), lost: z.number().int() })),
      warnings: z.array(warningSchema),
    }),
  ),
});
export type EvaluationSummary = z.infer<typeof evaluationSummarySchema>;

export function summarizeReport(report: EvaluationReport): EvaluationSummary {
  return {
    reportVersion: report.reportVersion,
    technique: report.technique,
    base: report.base,
    models: report.models,
    headline: report.headline,
    warnings: report.warnings,
    tasks: report.tasks.map((t) => ({
      name: t.name,
      kind: t.kind,
      examples: t.examples,
      primaryMetric: t.primaryMetric,
      // Scores only: per-class tables, confusion matrices and token counts stay in the full report.
      models: Object.fromEntries(Object.entries(t.models).map(([name, m]) => [name, { scores: m.scores }])),
    })),
    comparisons: report.comparisons.map((c) => ({
      model: c.model,
      headline: c.headline,
      metrics: c.metrics,
      flips: Object.fromEntries(
        Object.entries(c.flips).map(([task, f]) => [task, { gained: f.gained.count, lost: f.lost.count }]),
      ),
      warnings: c.warnings,
    })),
  };
}

/**
 * JSON.parse that also accepts the bare `NaN`, `Infinity` and `-Infinity` Python's json module writes by default
 * (a metric undefined on a tiny split), read as null.
 */
export function parseReportJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    let out = "";
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (inString) {
        out += ch;
        if (ch === "\\") out += text[++i] ?? "";
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      const token = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9))?.[0];
      if (token) {
        out += "null";
        i += token.length - 1;
      } else out += ch;
    }
    if (out === text) throw err;
    return JSON.parse(out);
  }
}

/** Reads and checks a report; says why when it is not one. */
export function readReport(text: string): { ok: true; report: EvaluationReport } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = parseReportJson(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = evaluationReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a version 1 report (${issue?.path.join(".") || "root"}: ${issue?.message})` };
  }
  return { ok: true, report: parsed.data };
}
