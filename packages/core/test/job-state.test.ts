import { describe, expect, it } from "vitest";
import {
  assertTransition,
  canCancel,
  canPause,
  canResume,
  canTransition,
  InvalidTransitionError,
  JOB_STATES,
  TERMINAL_STATES,
} from "../src";

describe("job state machine", () => {
  it("follows validating_files → queued → running → succeeded", () => {
    expect(canTransition("validating_files", "queued")).toBe(true);
    expect(canTransition("queued", "running")).toBe(true);
    expect(canTransition("running", "succeeded")).toBe(true);
  });
  it("never leaves a final state", () => {
    for (const from of ["succeeded", "failed", "cancelled"] as const) {
      for (const to of JOB_STATES) expect(canTransition(from, to)).toBe(false);
      expect(canCancel(from)).toBe(false);
    }
  });
  it("lets a runner hand a running job back to the queue", () => {
    expect(canTransition("running", "queued")).toBe(true);
  });
  it("refuses a jump with a message naming both states", () => {
    expect(() => assertTransition("queued", "succeeded")).toThrow(InvalidTransitionError);
    expect(() => assertTransition("queued", "succeeded")).toThrow('"queued" cannot move to "succeeded"');
  });

  it("pauses a waiting or running job, and resumes a paused one through admission (decision 0010)", () => {
    for (const from of ["pending_quota", "queued", "running"] as const) {
      expect(canPause(from)).toBe(true);
      expect(canTransition(from, "paused")).toBe(true);
    }
    for (const from of ["validating_files", "paused", ...TERMINAL_STATES] as const) expect(canPause(from)).toBe(false);
    // resumed: back in line (queued) or waiting for quota (pending_quota); never straight to running
    expect(canTransition("paused", "queued")).toBe(true);
    expect(canTransition("paused", "pending_quota")).toBe(true);
    expect(canTransition("paused", "running")).toBe(false);
    expect(canTransition("paused", "succeeded")).toBe(false);
    expect(JOB_STATES.filter(canResume)).toEqual(["paused"]);
    // a paused job can still be cancelled, and nothing finished can be paused
    expect(canCancel("paused")).toBe(true);
    expect(canTransition("paused", "cancelled")).toBe(true);
    for (const from of TERMINAL_STATES) expect(canTransition(from, "paused")).toBe(false);
  });
});
