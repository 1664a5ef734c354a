import { JOB_STATES, type JobState } from "@whetstone/core";

/**
 * Convention for JobEvent rows of kind "state" (the API and apps/worker both write them): the message starts
 * with the new state, optionally followed by ": " and a reason — e.g. `cancelled: cancelled by ada@example.com`.
 */
export function stateEventMessage(state: JobState, reason?: string | null): string {
  return reason ? `${state}: ${reason}` : state;
}

export function parseStateEventMessage(message: string): { state: JobState | null; reason: string | null } {
  const m = /^([a-z_]+)(?::\s*(.*))?$/s.exec(message);
  const state = m && (JOB_STATES as readonly string[]).includes(m[1]!) ? (m[1] as JobState) : null;
  if (!state) return { state: null, reason: message };
  return { state, reason: m?.[2] ?? null };
}
