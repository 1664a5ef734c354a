/** An evaluation's state badge and its progress through the examples (both models scored on each). */
import type { JobState } from "@whetstone/core";
import { Badge, Progress, STATE_LABELS, type Tone } from "@/components/ui";
import { formatNumber } from "@/lib/format";

const TONES: Record<JobState, Tone> = {
  validating_files: "neutral",
  pending_quota: "amber",
  queued: "blue",
  running: "accent",
  paused: "violet",
  succeeded: "green",
  failed: "red",
  cancelled: "neutral",
};

export const isFinal = (state: JobState) => state === "succeeded" || state === "failed" || state === "cancelled";

/** Like the job StateBadge, under its own test id (a job page shows both). */
export function EvaluationStateBadge({ state }: { state: JobState }) {
  return (
    <Badge tone={TONES[state]} data-testid="evaluation-state" data-state={state}>
      {state === "succeeded" ? "Done" : STATE_LABELS[state]}
    </Badge>
  );
}

export function EvaluationProgress({
  state,
  examplesDone,
  examplesTotal,
  compact,
}: {
  state: JobState;
  examplesDone: number;
  examplesTotal: number | null;
  compact?: boolean;
}) {
  const value =
    state === "succeeded"
      ? 1
      : examplesTotal
        ? Math.min(1, examplesDone / examplesTotal)
        : state === "running"
          ? null
          : 0;
  return (
    <div className="min-w-0">
      {!compact && (
        <div className="mb-2 flex items-baseline justify-between gap-3 text-[13px] text-zinc-500">
          <span>
            {examplesTotal
              ? `${formatNumber(examplesDone)} of ${formatNumber(examplesTotal)} examples scored`
              : state === "queued"
                ? "Waiting for a runner…"
                : "Loading the models…"}
          </span>
          {value != null && <span className="tabular font-medium text-zinc-700">{Math.round(value * 100)}%</span>}
        </div>
      )}
      <Progress
        value={value}
        tone={state === "succeeded" ? "green" : state === "failed" ? "red" : "accent"}
        testId="evaluation-progress"
        label="Evaluation progress"
        className={compact ? "h-1.5" : "h-2.5"}
      />
    </div>
  );
}
