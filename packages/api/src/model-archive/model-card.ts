/**
 * The model card in the archive. The runner writes README.md into the adapter/model folder at the end of training
 * (gpu-runner/whetstone_runner/training/model_card.py) with the base model, data, hyperparameters and training
 * results, and leaves a section between two markers for the evaluation, which runs afterwards as its own job. The
 * platform renders that section from the database when the archive is built (`completeModelCard`): the card in a
 * download is always the current one, and nothing is rewritten in storage when an evaluation finishes. A folder
 * without a card (written by an older runner) gets one made here from the job row.
 */

export const EVALUATION_START = "<!-- whetstone-evaluation -->";
export const EVALUATION_END = "<!-- /whetstone-evaluation -->";

interface MetricRow {
  task: string;
  label: string;
  base: number | null;
  candidate: number | null;
  delta: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  verdict: string;
}
/** The part of `Evaluation.summary` the card shows (see evaluations/evaluation-report.ts). */
export interface CardEvaluation {
  id: string;
  state: string;
  finishedAt: Date | null;
  summary: {
    headline?: string;
    base?: string;
    warnings?: { message: string }[];
    comparisons?: { model: string; headline: string; metrics: MetricRow[] }[];
  } | null;
}

const num = (v: number | null | undefined) =>
  v === null || v === undefined ? "—" : Number(v.toPrecision(4)).toString();
const VERDICT: Record<string, string> = {
  better: "better",
  not_significant: "no significant difference",
  significantly_worse: "worse",
};

/** The evaluation section's body for the newest evaluation of the job (or what is known while it runs). */
export function renderEvaluationSection(e: CardEvaluation | null): string {
  if (!e) return "No evaluation against the base has been run for this job.";
  if (e.state !== "succeeded" || !e.summary) {
    return e.state === "failed" || e.state === "cancelled"
      ? `The evaluation against the base (\`${e.id}\`) ${e.state === "failed" ? "failed" : "was cancelled"}.`
      : `The evaluation against the base (\`${e.id}\`) is ${e.state.replace(/_/g, " ")}; download again once it has finished.`;
  }
  const s = e.summary;
  const out = [
    `Evaluation \`${e.id}\`${e.finishedAt ? ` (${e.finishedAt.toISOString().slice(0, 10)})` : ""} on the held-out test split, ` +
      `against the base${s.base ? ` (${s.base})` : ""}. Differences carry a 95% paired-bootstrap confidence interval.`,
    "",
  ];
  if (s.headline) out.push(`**${s.headline}**`, "");
  for (const c of s.comparisons ?? []) {
    out.push(
      "| task | metric | base | fine-tuned | difference | 95% CI | verdict |",
      "| --- | --- | --- | --- | --- | --- | --- |",
      ...c.metrics.map(
        (m) =>
          `| ${m.task} | ${m.label} | ${num(m.base)} | ${num(m.candidate)} | ${num(m.delta)} | ` +
          `[${num(m.ciLow)}, ${num(m.ciHigh)}] | ${VERDICT[m.verdict] ?? m.verdict} |`,
      ),
      "",
    );
  }
  for (const w of s.warnings ?? []) out.push(`- ⚠ ${w.message}`);
  return out.join("\n").trimEnd();
}

/** The runner's card with its evaluation section replaced (appended when the markers are missing). */
export function completeModelCard(card: string, evaluation: CardEvaluation | null): string {
  const section = `${EVALUATION_START}\n${renderEvaluationSection(evaluation)}\n${EVALUATION_END}`;
  const start = card.indexOf(EVALUATION_START);
  const end = card.indexOf(EVALUATION_END);
  if (start >= 0 && end > start) return card.slice(0, start) + section + card.slice(end + EVALUATION_END.length);
  return `${card.trimEnd()}\n\n## Evaluation against the base\n\n${section}\n`;
}

/** A card for a folder the runner wrote without one: what the job row knows. */
export function fallbackModelCard(job: {
  id: string;
  name: string;
  technique: string;
  method: string;
  baseModel: { name: string; ref: string };
  hyperparameters: unknown;
  datasets: { name: string; version: number; format: string; rows: number }[];
}): string {
  const hp = Object.entries((job.hyperparameters ?? {}) as Record<string, unknown>);
  return [
    "---",
    `base_model: ${job.baseModel.ref}`,
    "tags:",
    "- whetstone",
    "---",
    "",
    `# ${job.name}`,
    "",
    `Whetstone job \`${job.id}\`: ${job.technique} of **${job.baseModel.name}** with ${job.method}.`,
    "",
    "## Data",
    "",
    "| dataset | version | format | rows |",
    "| --- | --- | --- | --- |",
    ...job.datasets.map((d) => `| ${d.name} | ${d.version} | ${d.format} | ${d.rows} |`),
    "",
    "## Hyperparameters",
    "",
    "| name | value |",
    "| --- | --- |",
    ...hp.map(([k, v]) => `| ${k} | ${typeof v === "object" ? JSON.stringify(v) : String(v)} |`),
    "",
    "## Evaluation against the base",
    "",
    EVALUATION_START,
    EVALUATION_END,
    "",
  ].join("\n");
}
