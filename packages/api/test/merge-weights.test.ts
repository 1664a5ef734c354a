/**
 * Merged weights on request (jobs.merge / POST /jobs/{id}/merge): refusals, the MergeJob row and its enqueued payload,
 * the events, the reconciler (a lost enqueue, a BullMQ job Redis lost, a silent runner, a payload that can never be
 * built) and the metering of its GPU time — real PostgreSQL and Redis.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOB_KINDS, mergeJobPayloadSchema, runnerEventSchema, type RunnerEventInput } from "@whetstone/queue";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import { gpuSecondsInMonth, usageMonth } from "../src/scheduling/quota";
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
    await env.db.prisma.$transaction((tx) => applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000, storage: env.deps.storage }));
  }
}
const merge = (e: RunnerEventInput) => ({ ...e, kind: "merge" }) as RunnerEventInput;
const reconcile = () =>
  reconcileOnce({ prisma: env.deps.prisma, trainingQueue: env.deps.trainingQueue }, { runnerOfflineAfterMs: 30_000 });

async function finished(method: "lora" | "qlora" | "full" = "lora", state = "succeeded") {
  const f = await createFixture(env.db.prisma, { method });
  await env.db.prisma.fineTuneJob.update({ where: { id: f.job.id }, data: { state: state as "succeeded" } });
  const caller = env.as({ id: f.user.id, isAdmin: false }, f.team.slug);
  return { ...f, caller };
}

/** A succeeded job and its requested merge: its row. */
async function requested(method: "lora" | "qlora" = "lora") {
  const f = await finished(method);
  await f.caller.jobs.merge({ id: f.job.id });
  const row = await env.db.prisma.mergeJob.findFirstOrThrow({ where: { jobId: f.job.id } });
  return { ...f, row };
}
const mergeRow = (id: string) => env.db.prisma.mergeJob.findUniqueOrThrow({ where: { id } });

const artifact = (jobId: string, name: string) => ({
  kind: "merged_model" as const,
  name,
  key: `jobs/${jobId}/artifacts/merged/${name}`,
  bytes: 1234,
  sha256: "e".repeat(64),
});

describe("jobs.merge", () => {
  it("refuses a job that has not succeeded, and a full fine-tune, writing nothing", async () => {
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
    expect(await env.db.prisma.mergeJob.count({ where: { jobId: { in: [running.job.id, full.job.id] } } })).toBe(0);
  });

  it("writes one MergeJob row and enqueues it under its id (a second request answers merging), with the contract's payload", async () => {
    const { job, team, caller } = await finished("qlora");
    expect((await caller.jobs.mergeStatus({ id: job.id })).state).toBe("none");
    expect(await caller.jobs.merge({ id: job.id })).toMatchObject({ state: "merging", artifacts: [] });
    expect(await caller.jobs.merge({ id: job.id })).toMatchObject({ state: "merging" });
    const rows = await env.db.prisma.mergeJob.findMany({ where: { jobId: job.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ state: "queued", enqueuedAt: expect.any(Date) });
    const queued = await env.deps.trainingQueue.getJob(rows[0]!.id);
    expect(queued?.name).toBe(JOB_KINDS.merge.jobName);
    expect(mergeJobPayloadSchema.parse(queued?.data)).toMatchObject({
      kind: "merge",
      jobId: job.id,
      teamId: team.id,
      adapter: `jobs/${job.id}/artifacts/`,
      outputPrefix: `jobs/${job.id}/`,
      baseModel: { source: "local", ref: "/models/tiny-llama" },
    });
  });

  it("applies the merge's events to its row and the job's events (the job stays succeeded), then answers merged", async () => {
    const { job, caller, row } = await requested();
    await send(merge(ev.state(row.id, "running")), merge(ev.log(job.id, "merging the LoRA adapter")));
    expect(await mergeRow(row.id)).toMatchObject({ state: "running", runnerName: "gpu-1" });
    const done = merge(
      ev.state(row.id, "succeeded", {
        artifacts: [
          artifact(job.id, "model.safetensors"),
          artifact(job.id, "README.md"),
          // not this job's files: never attached to it
          { ...artifact(job.id, "x.bin"), key: "jobs/other/artifacts/merged/x.bin" },
        ],
      }),
    );
    // reported twice (a resent final report, a fresh event id): the artifacts are unique per job and key
    await send(done, { ...done, eventId: randomUUID() } as RunnerEventInput);
    expect(await mergeRow(row.id)).toMatchObject({ state: "succeeded", finishedAt: expect.any(Date) });
    expect((await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("succeeded");
    const arts = await env.db.prisma.artifact.findMany({ where: { jobId: job.id, kind: "merged_model" } });
    expect(arts.map((a) => a.name).sort()).toEqual(["README.md", "model.safetensors"]);
    const events = await env.db.prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } });
    const log = events.map((e) => e.message).join("\n");
    expect(log).toMatch(/merge: merging the LoRA adapter/);
    expect(log).toMatch(/merged weights stored on gpu-1: 2 files/);

    const again = await caller.jobs.merge({ id: job.id });
    expect(again.state).toBe("merged");
    expect(again.artifacts.map((a) => a.name)).toEqual(["README.md", "model.safetensors"]);
    expect(await env.db.prisma.mergeJob.count({ where: { jobId: job.id } })).toBe(1);
  });

  it("records a failed merge on its row and as an error event of the job; asking again makes a new one", async () => {
    const { job, caller, row } = await requested();
    await send(
      merge(ev.state(row.id, "running")),
      merge(ev.state(row.id, "failed", { message: "this adapter cannot be merged: it is a IA3 adapter" })),
    );
    expect(await mergeRow(row.id)).toMatchObject({ state: "failed", error: expect.stringContaining("IA3") });
    expect(await caller.jobs.mergeStatus({ id: job.id })).toMatchObject({ state: "failed", error: expect.any(String) });
    expect((await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("succeeded");
    const error = await env.db.prisma.jobEvent.findFirstOrThrow({ where: { jobId: job.id, level: "error" } });
    expect(error.message).toContain("IA3");
    // a late success of the failed merge changes nothing: final states are final
    await send(merge(ev.state(row.id, "succeeded", { artifacts: [artifact(job.id, "model.safetensors")] })));
    expect((await mergeRow(row.id)).state).toBe("failed");

    expect((await caller.jobs.merge({ id: job.id })).state).toBe("merging");
    const rows = await env.db.prisma.mergeJob.findMany({ where: { jobId: job.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.state)).toEqual(["failed", "queued"]);
  });

  it("still takes the events of a merge enqueued before merges had rows (BullMQ id merge_<jobId>)", async () => {
    const { job } = await finished("lora");
    await send(merge(ev.state(`merge_${job.id}`, "succeeded", { artifacts: [artifact(job.id, "model.safetensors")] })));
    expect(await env.db.prisma.artifact.count({ where: { jobId: job.id, kind: "merged_model" } })).toBe(1);
  });
});

describe("the reconciler and merges", () => {
  it("enqueues a merge whose enqueue was lost, and re-adds one whose BullMQ job Redis lost", async () => {
    const { row } = await requested();
    await env.deps.trainingQueue.remove(row.id);
    await env.db.prisma.mergeJob.update({ where: { id: row.id }, data: { enqueuedAt: null } });
    expect((await reconcile()).workEnqueued).toContain(row.id);
    expect((await env.deps.trainingQueue.getJob(row.id))?.name).toBe(JOB_KINDS.merge.jobName);
    expect((await mergeRow(row.id)).enqueuedAt).not.toBeNull();

    await env.deps.trainingQueue.remove(row.id); // Redis flushed: the row says enqueued, BullMQ has nothing
    expect((await reconcile()).workReEnqueued).toContain(row.id);
    expect(await env.deps.trainingQueue.getJobState(row.id)).toBe("prioritized");
  });

  it("hands back a merge whose runner went silent, and it can still finish", async () => {
    const { job, row } = await requested();
    await send(merge({ ...ev.state(row.id, "running"), runner: "ghost" } as RunnerEventInput));
    await env.db.prisma.mergeJob.update({ where: { id: row.id }, data: { startedAt: new Date(Date.now() - 120_000) } });
    expect((await reconcile()).workRequeued).toContain(row.id);
    expect(await mergeRow(row.id)).toMatchObject({ state: "queued", runnerName: null });
    expect(await env.deps.trainingQueue.getJob(row.id)).toBeDefined();
    await send(
      merge(ev.state(row.id, "running")),
      merge(ev.state(row.id, "succeeded", { artifacts: [artifact(job.id, "model.safetensors")] })),
    );
    expect((await mergeRow(row.id)).state).toBe("succeeded");
  });

  it("fails a merge whose payload can never be built, with the reason", async () => {
    const { job, caller, row } = await requested();
    await env.deps.trainingQueue.remove(row.id);
    await env.db.prisma.mergeJob.update({ where: { id: row.id }, data: { enqueuedAt: null } });
    // the job's base model no longer resolves (a lineage that loops)
    await env.db.prisma.baseModel.update({
      where: { id: job.baseModelId },
      data: { source: "artifact", parentId: job.baseModelId },
    });
    expect((await reconcile()).workFailed).toContain(row.id);
    expect(await mergeRow(row.id)).toMatchObject({ state: "failed", error: expect.stringContaining("lineage") });
    expect((await caller.jobs.mergeStatus({ id: job.id })).state).toBe("failed");
  });
});

describe("metering", () => {
  it("charges a merge's GPU time between heartbeats to its job's team", async () => {
    const { job, team, row } = await requested();
    const month = usageMonth(new Date());
    const before = await gpuSecondsInMonth(env.db.prisma, team.id, month);
    const t0 = new Date();
    await send(
      ev.heartbeat("merger", t0, row.id),
      ev.heartbeat("merger", new Date(t0.getTime() + 4_000), row.id),
      ev.heartbeat("merger", new Date(t0.getTime() + 7_000), row.id),
    );
    expect(await gpuSecondsInMonth(env.db.prisma, team.id, month)).toBeCloseTo(before + 7, 5);
    const record = await env.db.prisma.usageRecord.findFirstOrThrow({ where: { jobId: job.id, month } });
    expect(record.gpuSeconds).toBeCloseTo(7, 5);
  });
});
