/**
 * A job's results file, as OpenAI writes it (`step_metrics.csv`): one row per step that has a metric, columns
 * `step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`, empty where the runner did not measure it
 * (Whetstone measures validation every `evalEverySteps`; accuracy for classification only). Made from the job's
 * metric points when read, so it is never out of date and nothing extra is stored.
 */
import type { PrismaClient } from "@whetstone/db";

export const RESULTS_COLUMNS = ["step", "train_loss", "train_accuracy", "valid_loss", "valid_mean_token_accuracy"];

/** Whetstone metric name → results column. */
const COLUMN_OF: Record<string, string> = {
  train_loss: "train_loss",
  train_accuracy: "train_accuracy",
  val_loss: "valid_loss",
  val_accuracy: "valid_mean_token_accuracy",
  val_token_accuracy: "valid_mean_token_accuracy",
};

export async function resultsCsv(prisma: PrismaClient, jobId: string): Promise<string> {
  const points = await prisma.metricPoint.findMany({
    where: { jobId, name: { in: Object.keys(COLUMN_OF) } },
    orderBy: [{ step: "asc" }, { name: "asc" }],
    select: { step: true, name: true, value: true },
  });
  const rows = new Map<number, Record<string, number>>();
  for (const p of points) {
    let row = rows.get(p.step);
    if (!row) rows.set(p.step, (row = {}));
    row[COLUMN_OF[p.name]!] = p.value;
  }
  const lines = [RESULTS_COLUMNS.join(",")];
  for (const [step, row] of rows) {
    lines.push(
      [String(step), ...RESULTS_COLUMNS.slice(1).map((c) => (row[c] === undefined ? "" : String(row[c])))].join(","),
    );
  }
  return lines.join("\n") + "\n";
}
