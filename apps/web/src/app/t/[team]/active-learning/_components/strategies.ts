/** Words for the loop's settings: tasks, selection strategies (one line each), metrics and what to do next. */
import { DEFAULT_STRATEGY, SELECTION_STRATEGIES, type ActiveLearningTask } from "@whetstone/queue";
import type { RouterOutputs } from "@/lib/trpc";

export type Project = RouterOutputs["activeLearning"]["getProject"];
export type Round = Project["rounds"][number];
export type Strategy = (typeof SELECTION_STRATEGIES)[ActiveLearningTask][number];

export { DEFAULT_STRATEGY, SELECTION_STRATEGIES };

export const TASK_LABELS: Record<ActiveLearningTask, string> = {
  classification: "Classification",
  sft: "Generation",
};

export const TASK_HELP: Record<ActiveLearningTask, string> = {
  classification: "Each row gets one label from a set you declare (a topic, a sentiment, a routing queue).",
  sft: "Each row is a prompt; you write or correct the answer the model should give.",
};

export const STRATEGY_LABELS: Record<string, string> = {
  margin: "Margin",
  least_confidence: "Least confidence",
  entropy: "Entropy",
  margin_diverse: "Margin + diversity",
  token_entropy: "Token entropy",
  log_likelihood: "Log-likelihood",
  token_entropy_diverse: "Token entropy + diversity",
  kcenter: "K-centre (diversity)",
  random: "Random",
  seed: "Seed",
};

export const STRATEGY_HELP: Record<string, string> = {
  margin: "Rows where the two likeliest labels are closest: the model is torn between them.",
  least_confidence: "Rows whose best label the model believes least.",
  entropy: "Rows where the model spreads its belief over every label.",
  margin_diverse: "A margin shortlist, thinned so one batch is not ten near-copies.",
  token_entropy: "Prompts where the model is least sure of each next word of its own answer.",
  log_likelihood: "Prompts whose answer the model finds least likely, per token.",
  token_entropy_diverse: "A token-entropy shortlist, thinned for variety.",
  kcenter: "Rows unlike anything picked so far: covers the pool (the first batch, before any label).",
  random: "A fair sample: the honest control to compare the others against.",
};

export const strategyLabel = (s: string) => STRATEGY_LABELS[s] ?? s;

/** A metric value as the evaluation pages show it: rates as percentages, other scores with 3 digits. */
export function formatMetric(metric: string | null, value: number | null | undefined): string {
  if (value == null) return "—";
  const rate = metric == null || /accuracy|f1|rouge|exact|chrf|precision|recall/i.test(metric);
  return rate && value >= 0 && value <= 1 ? `${(value * 100).toFixed(1)}%` : value.toPrecision(3);
}

export const METRIC_LABELS: Record<string, string> = {
  accuracy: "Accuracy",
  macro_f1: "Macro-F1",
  rouge_l: "ROUGE-L",
  chrf: "chrF",
  exact_match: "Exact match",
  token_accuracy: "Token accuracy",
  loss: "Loss",
  perplexity: "Perplexity",
};
export const metricLabel = (m: string | null) => (m ? (METRIC_LABELS[m] ?? m) : "Held-out metric");

export const isFinalState = (s: string) => s === "succeeded" || s === "failed" || s === "cancelled";

/** Whether anything of the project is in flight (the page polls while it is). */
export function inFlight(p: Project | undefined): boolean {
  if (!p) return false;
  if (p.next === "wait_for_scoring" || p.next === "wait_for_training") return true;
  if (p.rounds.some((r) => r.evaluation && !isFinalState(r.evaluation.state))) return true;
  return !!p.simulation && !isFinalState(p.simulation.state);
}

/** Rows of the newest batch still waiting: every open row belongs to it (a new batch waits for them). */
export function batchProgress(p: Project) {
  const last = p.rounds.at(-1);
  const open = p.counts.pending + p.counts.assigned + p.counts.conflict;
  const total = last?.picked ?? 0;
  return { total, done: Math.max(0, total - open), open };
}
