import { describe, expect, it } from "vitest";
import { assertTransition, canCancel, canTransition, InvalidTransitionError, JOB_STATES } from "../src";

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
});
