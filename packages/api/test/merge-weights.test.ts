/** Merged weights on request (jobs.merge / POST /jobs/{id}/merge): refusals, the enqueued payload, and the events. */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_KINDS, mergeJobPayloadSchema, runnerEventSchema, type RunnerEventInput } from "@whetstone/queue";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import { createTestEnv, type TestEnv } from "./helpers";
import { createFixture, ev } from "./runner-fixtures";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await env.close();
});

async function send(...events: RunnerEventInput[]) {
  for (const e of events) {
    const event = runnerEventSchema.parse(e);
    await env.db.prisma.$transaction((tx) => applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000 }));
  }
}

async function finished(method: "lora" | "qlora" | "full" = "lora", state = "succeeded") {
  const f = await createFixture(env.db.prisma, { method });
  await env.db.prisma.fineTuneJob.update({ where: { id: f.job.id }, data: { state: state as "succeeded" } });
  const caller = env.as({ id: f.user.id, isAdmin: false }, f.team.slug);
  return { ...f, caller };
}

const artifact = (jobId: string, name: string) => ({
  kind: "merged_model" as const,
  name,
  key: `jobs/${jobId}/artifacts/merged/${name}`,
  bytes: 1234,
  sha256: "e".repeat(64),
});

describe("jobs.merge", () => {
  it("refuses a job that has not succeeded, and a full fine-tune", async () => {
    const running = await finished("lora", "running");
    await expect(running.caller.jobs.merge({ id: running.job.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("only a job that succeeded"),
    });
    const full = await finished("full");
    await expect(full.caller.jobs.merge({ id: full.job.id })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("full fine-tune"),
    });
    expect(await env.deps.trainingQueue.getJob(`merge_${full.job.id}`)).toBeUndefined();
  });

  it("enqueues one merge on the training queue (a second request answers merging), with the contract's payload", async () => {
    const { job, team, caller } = await finished("qlora");
    expect((await caller.jobs.mergeStatus({ id: job.id })).state).toBe("none");
    expect(await caller.jobs.merge({ id: job.id })).toMatchObject({ state: "merging", artifacts: [] });
    expect(await caller.jobs.merge({ id: job.id })).toMatchObject({ state: "merging" });
    const queued = await env.deps.trainingQueue.getJob(`merge_${job.id}`);
    expect(queued?.name).toBe(JOB_KINDS.merge.jobName);
    const payload = mergeJobPayloadSchema.parse(queued?.data);
    expect(payload).toMatchObject({
      kind: "merge",
      jobId: job.id,
      teamId: team.id,
      adapter: `jobs/${job.id}/artifacts/`,
      outputPrefix: `jobs/${job.id}/`,
      baseModel: { source: "local", ref: "/models/tiny-llama" },
    });
  });

  it("applies the merge's events to the job (its state untouched) and then answers with the merged weights", async () => {
    const { job, caller } = await finished("lora");
    await caller.jobs.merge({ id: job.id });
    const bull = `merge_${job.id}`;
    await send(
      { ...ev.state(bull, "running"), kind: "merge" } as RunnerEventInput,
      { ...ev.log(job.id, "merging the LoRA adapter"), kind: "merge" } as RunnerEventInput,
    );
    const done = {
      ...ev.state(bull, "succeeded", {
        artifacts: [
          artifact(job.id, "model.safetensors"),
          artifact(job.id, "README.md"),
          // not this job's files: never attached to it
          { ...artifact(job.id, "x.bin"), key: "jobs/other/artifacts/merged/x.bin" },
        ],
      }),
      kind: "merge",
    } as RunnerEventInput;
    // reported twice (a resent final report, a fresh event id): the artifacts are unique per job and key
    await send(done, { ...done, eventId: randomUUID() } as RunnerEventInput);
    const row = await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.state).toBe("succeeded");
    const arts = await env.db.prisma.artifact.findMany({ where: { jobId: job.id, kind: "merged_model" } });
    expect(arts.map((a) => a.name).sort()).toEqual(["README.md", "model.safetensors"]);
    const events = await env.db.prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } });
    expect(events.map((e) => e.message).join("\n")).toMatch(/merged weights stored on gpu-1: 2 files/);

    const again = await caller.jobs.merge({ id: job.id });
    expect(again.state).toBe("merged");
    expect(again.artifacts.map((a) => a.name)).toEqual(["README.md", "model.safetensors"]);
  });

  it("records a failed merge as an error event of the job, which stays succeeded", async () => {
    const { job } = await finished("lora");
    await send({
      ...ev.state(`merge_${job.id}`, "failed", { message: "this adapter cannot be merged: it is a IA3 adapter" }),
      kind: "merge",
    } as RunnerEventInput);
    const row = await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.state).toBe("succeeded");
    const ev1 = await env.db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: job.id, level: "error" } });
    expect(ev1.message).toContain("IA3");
  });
});
