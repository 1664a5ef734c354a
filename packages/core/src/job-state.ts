/** Job states follow the OpenAI fine-tuning API where it has a word for them. */
export const JOB_STATES = [
  "validating_files",
  "pending_quota",
  "queued",
  "running",
  "paused",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled"];
export const isTerminal = (s: JobState): boolean => TERMINAL_STATES.includes(s);

const TRANSITIONS: Record<JobState, readonly JobState[]> = {
  validating_files: ["pending_quota", "queued", "failed", "cancelled"],
  pending_quota: ["queued", "paused", "failed", "cancelled"],
  // running → queued: a runner handed the job back (SIGTERM, lost runner) and it waits for another.
  queued: ["running", "pending_quota", "paused", "failed", "cancelled"],
  // running → paused: the runner handed the job back on request, keeping its checkpoints (decision 0010).
  running: ["queued", "paused", "succeeded", "failed", "cancelled"],
  // paused → pending_quota / queued: resumed, through quota admission; it continues from its last checkpoint.
  paused: ["pending_quota", "queued", "failed", "cancelled"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: JobState, to: JobState): boolean {
  return TRANSITIONS[from].includes(to);
}

export class InvalidTransitionError extends Error {
  constructor(
    readonly from: JobState,
    readonly to: JobState,
  ) {
    super(`a job in state "${from}" cannot move to "${to}"`);
    this.name = "InvalidTransitionError";
  }
}

export function assertTransition(from: JobState, to: JobState): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
}

/** Cancel works in every state that is not already final. */
export const canCancel = (s: JobState): boolean => !isTerminal(s);

/** Pause works on a job that waits or runs; a paused job keeps its checkpoints and holds no GPU or quota. */
export const canPause = (s: JobState): boolean => s === "pending_quota" || s === "queued" || s === "running";
/** Only a paused job can be resumed. */
export const canResume = (s: JobState): boolean => s === "paused";
