import type { JobState } from "@whetstone/core";
import { Badge, type Tone } from "./badge";
import { cn } from "./cn";

export const STATE_LABELS: Record<JobState, string> = {
  validating_files: "Validating files",
  pending_quota: "Waiting for quota",
  queued: "Queued",
  running: "Running",
  paused: "Paused",
  succeeded: "Succeeded",
  failed: "Failed",
  cancelled: "Cancelled",
};

const STATE_TONES: Record<JobState, Tone> = {
  validating_files: "neutral",
  pending_quota: "amber",
  queued: "blue",
  running: "accent",
  paused: "violet",
  succeeded: "green",
  failed: "red",
  cancelled: "neutral",
};

const DOT: Record<Tone, string> = {
  neutral: "bg-zinc-400",
  accent: "bg-accent-500",
  blue: "bg-sky-500",
  green: "bg-emerald-500",
  amber: "bg-amber-500",
  red: "bg-red-500",
  violet: "bg-violet-500",
};

/** The job state, as the same colored badge everywhere (data-testid="job-state", data-state=<state>). */
export function StateBadge({
  state,
  cancelling,
  className,
}: {
  state: JobState;
  cancelling?: boolean;
  className?: string;
}) {
  const tone = STATE_TONES[state];
  const live = state === "running" || state === "queued" || state === "validating_files";
  return (
    <Badge tone={tone} className={className} data-testid="job-state" data-state={state}>
      <span className="relative flex size-1.5">
        {live && (
          <span className={cn("absolute inline-flex size-full animate-ping rounded-full opacity-60", DOT[tone])} />
        )}
        <span className={cn("relative inline-flex size-1.5 rounded-full", DOT[tone])} />
      </span>
      {cancelling ? "Cancelling…" : STATE_LABELS[state]}
    </Badge>
  );
}
