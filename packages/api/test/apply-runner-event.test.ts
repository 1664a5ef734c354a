/** Runner events applied to the database as the worker's events consumer applies them: one transaction each. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { runnerEventSchema, type RunnerEventInput } from "@whetstone/queue";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import type { ApplyResult } from "../src/runner-events/runner-event.types";
import { createFixture, ev } from "./runner-fixtures";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function send(...events: RunnerEventInput[]): Promise<ApplyResult[]> {
  const results: ApplyResult[] = [];
  for (const e of events) {
    const event = runnerEventSchema.parse(e);
    results.push(await db.prisma.$transaction((tx) => applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000 })));
  }
  return results;
}

const sha = (c: string) => c.repeat(64);

describe("state events", () => {
  it("drive a job from queued to running to succeeded, with artifacts and the produced model", async () => {
    const { job, team, baseModel } = await createFixture(db.prisma, { state: "queued", method: "lora" });
    const t0 = new Date("2026-03-01T10:00:00.000Z");
    const t1 = new Date("2026-03-01T10:20:00.000Z");
    await send(ev.state(job.id, "running", { runner: "gpu-7", attempt: 2, ts: t0.toISOString() }));

    let row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ state: "running", runnerName: "gpu-7", attempt: 2, startedAt: t0, finishedAt: null });

    await send(
      ev.metric(job.id, 20, { train_loss: 1.5 }),
      ev.state(job.id, "succeeded", {
        runner: "gpu-7",
        ts: t1.toISOString(),
        artifacts: [
          {
            kind: "adapter",
            name: "adapter_model.safetensors",
            key: `jobs/${job.id}/artifacts/adapter/adapter_model.safetensors`,
            bytes: 5_000_000_000,
            sha256: sha("c"),
          },
          {
            kind: "tokenizer",
            name: "tokenizer.json",
            key: `jobs/${job.id}/artifacts/tokenizer/tokenizer.json`,
            bytes: 2100,
            sha256: sha("d"),
          },
        ],
        summary: { best_val_loss: 1.42, best_step: 20 },
      }),
    );

    row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({
      state: "succeeded",
      finishedAt: t1,
      summary: { best_val_loss: 1.42, best_step: 20 },
      error: null,
    });
    const artifacts = await db.prisma.artifact.findMany({ where: { jobId: job.id }, orderBy: { kind: "asc" } });
    expect(artifacts.map((a) => [a.kind, a.name, a.bytes, a.sha256])).toEqual([
      ["adapter", "adapter_model.safetensors", 5_000_000_000n, sha("c")],
      ["tokenizer", "tokenizer.json", 2100n, sha("d")],
    ]);
    const produced = await db.prisma.baseModel.findUniqueOrThrow({ where: { sourceJobId: job.id } });
    expect(produced).toMatchObject({
      teamId: team.id,
      name: job.name,
      source: "artifact",
      ref: `jobs/${job.id}/artifacts/`,
      artifactKind: "adapter",
      parentId: baseModel.id,
      contextLength: 2048,
    });
    const states = await db.prisma.jobEvent.findMany({
      where: { jobId: job.id, kind: "state" },
      orderBy: { createdAt: "asc" },
    });
    expect(states.map((s) => s.message)).toEqual(["running: on gpu-7 (attempt 2)", "succeeded: on gpu-7, 2 artifacts"]);

    // A later job can train from the produced model (transfer learning): lineage is a chain of parents.
    const child = await db.prisma.baseModel.findUniqueOrThrow({
      where: { id: produced.id },
      include: { parent: true },
    });
    expect(child.parent?.name).toBe("tiny-llama");
  });

  it("ignores an impossible transition, such as a late running after cancelled", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const [, late] = await send(
      ev.state(job.id, "cancelled", { message: "cancelled by ada" }),
      ev.state(job.id, "running"),
    );

    const row = await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.state).toBe("cancelled");
    expect(row.finishedAt).not.toBeNull();
    expect(await db.prisma.jobEvent.count({ where: { jobId: job.id, kind: "state" } })).toBe(1);
    expect(late).toEqual({
      outcome: "ignored",
      reason: 'a job in state "cancelled" cannot move to "running"',
      updates: [],
    });
  });

  it("ignores a state report from a runner that no longer holds the job", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-2" });
    await send(ev.state(job.id, "failed", { runner: "gpu-1", message: "CUDA error" }));
    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("running");
  });

  it("records the message of a failure, clears the runner of a handed-back job, and names full weights merged", async () => {
    const a = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const b = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const c = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1", method: "full" });
    await send(
      ev.state(a.job.id, "failed", { message: "CUDA out of memory: lower batchSize" }),
      ev.state(b.job.id, "queued", { message: "runner shutting down" }),
      ev.state(c.job.id, "succeeded"),
    );
    expect(await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: a.job.id } })).toMatchObject({
      state: "failed",
      error: "CUDA out of memory: lower batchSize",
    });
    expect(await db.prisma.jobEvent.findFirst({ where: { jobId: a.job.id, kind: "state" } })).toMatchObject({
      level: "error",
      message: "failed: CUDA out of memory: lower batchSize",
    });
    expect(await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: b.job.id } })).toMatchObject({
      state: "queued",
      runnerName: null,
    });
    expect(await db.prisma.baseModel.findUniqueOrThrow({ where: { sourceJobId: c.job.id } })).toMatchObject({
      artifactKind: "merged",
    });
  });

  it("keeps checkpoints once per step", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    await send(ev.checkpoint(job.id, 10), ev.checkpoint(job.id, 10), ev.checkpoint(job.id, 20));
    const rows = await db.prisma.checkpoint.findMany({ where: { jobId: job.id }, orderBy: { step: "asc" } });
    expect(rows.map((r) => [r.step, r.key, r.bytes])).toEqual([
      [10, `jobs/${job.id}/checkpoints/step-10/`, 4096n],
      [20, `jobs/${job.id}/checkpoints/step-20/`, 4096n],
    ]);
    expect(rows[0]?.files).toBeNull(); // a runner that does not report files
  });

  it("keeps a checkpoint's files with size and sha256", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const files = [
      { name: "adapter_model.safetensors", bytes: 4000, sha256: "a".repeat(64) },
      { name: "optimizer.pt", bytes: 96, sha256: "b".repeat(64) },
    ];
    await send({ ...ev.checkpoint(job.id, 10), files } as RunnerEventInput);
    const row = await db.prisma.checkpoint.findFirstOrThrow({ where: { jobId: job.id, step: 10 } });
    expect(row.files).toEqual(files);
  });
});

describe("heartbeats", () => {
  it("upsert the runner and meter GPU-seconds to the running job's team", async () => {
    const { job, team } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-9" });
    const t = (s: number) => new Date(Date.UTC(2026, 2, 31, 23, 59, 0) + s * 1000);
    await send(ev.heartbeat("gpu-9", t(0), job.id)); // first sight: nothing to meter yet
    let runner = await db.prisma.runner.findUniqueOrThrow({ where: { name: "gpu-9" } });
    expect(runner).toMatchObject({
      gpuName: "NVIDIA H100 80GB HBM3",
      vramMb: 81559,
      cudaVersion: "12.4",
      version: "0.1.0",
      state: "busy",
      currentJobId: job.id,
      lastHeartbeatAt: t(0),
      gpuSeconds: 0,
    });

    await send(
      ev.heartbeat("gpu-9", t(5), job.id), // +5 s
      ev.heartbeat("gpu-9", t(3), job.id), // late and out of order: ignored
      ev.heartbeat("gpu-9", t(10), job.id), // +5 s
      ev.heartbeat("gpu-9", t(50), job.id), // 40 s of silence: capped at 10 s
      ev.heartbeat("gpu-9", t(65), job.id), // +10 s (capped 15), and the month turns (April)
      ev.heartbeat("gpu-9", t(70), null), // job done: the partial interval is not charged
    );

    runner = await db.prisma.runner.findUniqueOrThrow({ where: { name: "gpu-9" } });
    expect(runner).toMatchObject({ state: "idle", currentJobId: null, lastHeartbeatAt: t(70) });
    expect(runner.gpuSeconds).toBeCloseTo(30);
    const usage = await db.prisma.usageRecord.findMany({ where: { jobId: job.id }, orderBy: { month: "asc" } });
    expect(usage.map((u) => [u.teamId, u.month, u.gpuSeconds])).toEqual([
      [team.id, "2026-03", 20],
      [team.id, "2026-04", 10],
    ]);
  });
});
