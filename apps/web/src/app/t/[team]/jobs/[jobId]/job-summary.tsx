import { isTerminal, type JobState } from "@whetstone/core";
import { Check, Circle, XCircle } from "lucide-react";
import { Card, Progress, STATE_LABELS, cn } from "@/components/ui";
import { formatDateTime, formatDuration, formatNumber } from "@/lib/format";
import type { Job } from "./use-job";

function totalStepsOf(j: Job): number | null {
  if (j.totalSteps) return j.totalSteps;
  const max = j.hyperparameters.maxSteps;
  return typeof max === "number" ? max : null;
}

export function ProgressCard({ job: j, eta, tps }: { job: Job; eta?: number; tps?: number }) {
  const total = totalStepsOf(j);
  const value =
    j.state === "succeeded" ? 1 : total ? Math.min(1, j.currentStep / total) : j.state === "running" ? null : 0;
  const elapsed = j.startedAt
    ? (j.finishedAt ? new Date(j.finishedAt) : new Date()).getTime() - new Date(j.startedAt).getTime()
    : null;
  return (
    <Card className="px-5 py-4">
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-3">
        <div className="flex items-baseline gap-2">
          <span
            className="tabular text-2xl font-semibold tracking-tight text-zinc-900"
            data-testid="job-progress-percent"
          >
            {value == null ? "—" : `${Math.round(value * 100)}%`}
          </span>
          <span className="tabular text-sm text-zinc-500" data-testid="job-steps">
            step {formatNumber(j.currentStep)}
            {total ? ` of ${formatNumber(total)}` : ""}
          </span>
        </div>
        <div className="flex flex-wrap gap-x-6 gap-y-1 text-[13px] text-zinc-500">
          {j.runnerName && (
            <span>
              runner <span className="font-medium text-zinc-700">{j.runnerName}</span>
            </span>
          )}
          {elapsed != null && (
            <span>
              elapsed <span className="tabular font-medium text-zinc-700">{formatDuration(elapsed)}</span>
            </span>
          )}
          {j.state === "running" && eta != null && (
            <span>
              ETA <span className="tabular font-medium text-zinc-700">{formatDuration(eta * 1000)}</span>
            </span>
          )}
          {j.state === "running" && tps != null && (
            <span>
              <span className="tabular font-medium text-zinc-700">{formatNumber(Math.round(tps))}</span> tokens/s
            </span>
          )}
        </div>
      </div>
      <Progress
        value={value}
        tone={j.state === "succeeded" ? "green" : j.state === "failed" ? "red" : "accent"}
        testId="job-progress"
        label="Training progress"
        className="h-2.5"
      />
    </Card>
  );
}

const HAPPY_PATH: JobState[] = ["validating_files", "queued", "running", "succeeded"];

export function Timeline({ job: j }: { job: Job }) {
  const reached = new Map<JobState, Date>();
  for (const t of j.timeline) if (t.state && !reached.has(t.state)) reached.set(t.state, new Date(t.at));
  // Fall back to the job's own timestamps where no state event was written.
  if (!reached.has("validating_files")) reached.set("validating_files", new Date(j.createdAt));
  if (j.queuedAt && !reached.has("queued")) reached.set("queued", new Date(j.queuedAt));
  if (j.startedAt && !reached.has("running")) reached.set("running", new Date(j.startedAt));
  const final: JobState = j.state === "failed" || j.state === "cancelled" ? j.state : "succeeded";
  const steps: JobState[] = [...HAPPY_PATH.slice(0, 3), final];
  if (reached.has("pending_quota") || j.state === "pending_quota") steps.splice(1, 0, "pending_quota");
  const currentIdx = steps.indexOf(j.state);
  return (
    <ol className="flex items-start" data-testid="job-timeline">
      {steps.map((s, i) => {
        const at =
          reached.get(s) ?? (s === j.state && isTerminal(s) && j.finishedAt ? new Date(j.finishedAt) : undefined);
        const done = i < currentIdx || (i === currentIdx && isTerminal(j.state));
        const current = i === currentIdx && !isTerminal(j.state);
        const bad = (s === "failed" || s === "cancelled") && i === currentIdx;
        return (
          <li
            key={s}
            className="relative flex flex-1 flex-col items-center text-center"
            data-testid={`timeline-${s}`}
            data-reached={done || current ? "true" : "false"}
          >
            {i > 0 && (
              <div
                className={cn(
                  "absolute top-3 right-1/2 h-0.5 w-full -translate-y-1/2",
                  i <= currentIdx ? "bg-accent-500" : "bg-zinc-200",
                )}
              />
            )}
            <div
              className={cn(
                "relative z-10 flex size-6 items-center justify-center rounded-full ring-4 ring-white",
                bad
                  ? "bg-red-500 text-white"
                  : done
                    ? "bg-accent-600 text-white"
                    : current
                      ? "bg-white text-accent-600 ring-accent-100"
                      : "bg-zinc-100 text-zinc-400",
                current && "border-2 border-accent-500",
              )}
            >
              {bad ? (
                <XCircle className="size-3.5" />
              ) : done ? (
                <Check className="size-3.5" strokeWidth={3} />
              ) : current ? (
                <span className="size-2 animate-pulse rounded-full bg-accent-500" />
              ) : (
                <Circle className="size-2" />
              )}
            </div>
            <div className={cn("mt-2 text-[13px] font-medium", done || current ? "text-zinc-900" : "text-zinc-400")}>
              {STATE_LABELS[s]}
            </div>
            <div className="tabular text-xs text-zinc-500">{at ? formatDateTime(at) : " "}</div>
          </li>
        );
      })}
    </ol>
  );
}
