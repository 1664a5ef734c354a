import { TRPCError } from "@trpc/server";
import { cancelKey, TRAINING_JOB_NAME, trainingJobPayloadSchema } from "@whetstone/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueTrainingJob } from "../src/jobs/enqueue-training-job";
import { getJobSummary } from "../src/jobs/get-job-summary";
import { seedDatasetVersion, seedJob, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);

async function expectAppError(p: Promise<unknown>, code: string, field?: string) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the call to fail").toBeInstanceOf(TRPCError);
  const e = err as TRPCError & { cause?: { details?: Record<string, unknown> } };
  expect(e.code).toBe(code);
  if (field) expect(e.cause?.details?.field).toBe(field);
  return e;
}

describe("jobs.create", () => {
  it("writes the row, its datasets and a state event, and enqueues a BullMQ job with the job's id", async () => {
    const job = await asOwnerA().jobs.create({
      baseModelId: w.sharedModel.id,
      technique: "sft",
      datasets: [{ datasetVersionId: w.chatA.id, weight: 2 }],
      hyperparameters: { epochs: 1, maxSteps: 20 },
    });
    expect(job.state).toBe("queued");
    expect(job.datasets).toEqual([
      expect.objectContaining({ datasetVersionId: w.chatA.id, datasetName: "support-chat", weight: 2 }),
    ]);

    const row = await env.db.prisma.fineTuneJob.findUniqueOrThrow({
      where: { id: job.id },
      include: { datasets: true, events: true },
    });
    expect(row.teamId).toBe(w.teamA.id);
    expect(row.createdById).toBe(w.ownerA.id);
    expect(row.enqueuedAt).not.toBeNull();
    expect(row.queuedAt).not.toBeNull();
    expect(row.datasets).toEqual([expect.objectContaining({ datasetVersionId: w.chatA.id, weight: 2 })]);
    expect(row.events.map((e) => [e.kind, e.message.split(":")[0]])).toEqual([["state", "queued"]]);
    expect((row.hyperparameters as Record<string, unknown>).learningRate).toBe(2e-4);

    const bull = await env.deps.trainingQueue.getJob(job.id);
    expect(bull?.id).toBe(job.id);
    expect(bull?.name).toBe(TRAINING_JOB_NAME);
    expect(bull?.opts.attempts).toBe(3);
    const payload = trainingJobPayloadSchema.parse(bull!.data);
    expect(payload.jobId).toBe(job.id);
    expect(payload.teamId).toBe(w.teamA.id);
    expect(payload.outputPrefix).toBe(`jobs/${job.id}/`);
    expect(payload.datasets).toEqual([
      expect.objectContaining({
        datasetVersionId: w.chatA.id,
        key: w.chatA.blobKey,
        format: "chat",
        weight: 2,
        rows: 64,
        sha256: w.chatA.sha256,
      }),
    ]);
    expect(payload.baseModel).toMatchObject({ id: w.sharedModel.id, source: "huggingface", parent: null });
    expect(payload.hyperparameters.maxSteps).toBe(20);
  });

  it("puts the parent chain of an artifact base model in the payload (transfer learning)", async () => {
    const job = await asOwnerA().jobs.create({
      baseModelId: w.artifactModelA.id,
      technique: "sft",
      method: "qlora",
      datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
    });
    const payload = trainingJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(job.id))!.data);
    expect(payload.method).toBe("qlora");
    expect(payload.baseModel).toMatchObject({
      id: w.artifactModelA.id,
      source: "artifact",
      artifactKind: "adapter",
      parent: { id: w.sharedModel.id, source: "huggingface", ref: "Qwen/Qwen2.5-0.5B", parent: null },
    });
  });

  it("a second enqueueTrainingJob adds nothing", async () => {
    const job = await asOwnerA().jobs.create({
      baseModelId: w.localModelA.id,
      technique: "sft",
      datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
    });
    const before = await env.deps.trainingQueue.getJobCounts();
    const firstEnqueuedAt = (await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).enqueuedAt;
    await enqueueTrainingJob(env.deps, job.id);
    await enqueueTrainingJob(env.deps, job.id);
    expect(await env.deps.trainingQueue.getJobCounts()).toEqual(before);
    const after = await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(after.enqueuedAt).toEqual(firstEnqueuedAt);
  });

  it("enqueues a job whose enqueue crashed (row committed, enqueuedAt null, no BullMQ job)", async () => {
    const row = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "queued",
    });
    expect(row.enqueuedAt).toBeNull();
    expect(await env.deps.trainingQueue.getJob(row.id)).toBeUndefined();

    await enqueueTrainingJob(env.deps, row.id);

    const bull = await env.deps.trainingQueue.getJob(row.id);
    expect(trainingJobPayloadSchema.parse(bull!.data).jobId).toBe(row.id);
    expect((await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: row.id } })).enqueuedAt).not.toBeNull();
  });

  it("leaves a job that is no longer queued alone", async () => {
    const row = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "cancelled",
    });
    await enqueueTrainingJob(env.deps, row.id);
    expect(await env.deps.trainingQueue.getJob(row.id)).toBeUndefined();
  });

  it("refuses a base model of another team as not found, naming the field", async () => {
    await expectAppError(
      asOwnerA().jobs.create({
        baseModelId: w.modelB.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
      }),
      "NOT_FOUND",
      "baseModelId",
    );
  });

  it("refuses a dataset version of another team as not found, naming its index", async () => {
    await expectAppError(
      asOwnerA().jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [
          { datasetVersionId: w.chatA.id, weight: 1 },
          { datasetVersionId: w.chatB.id, weight: 1 },
        ],
      }),
      "NOT_FOUND",
      "datasets.1.datasetVersionId",
    );
  });

  it("refuses a dataset whose format the technique cannot read, and writes nothing", async () => {
    const count = await env.db.prisma.fineTuneJob.count();
    const e = await expectAppError(
      asOwnerA().jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.textA.id, weight: 1 }],
      }),
      "BAD_REQUEST",
      "datasets.0.datasetVersionId",
    );
    expect(e.message).toMatch(/format "text".*chat, prompt_completion, alpaca/);
    expect(await env.db.prisma.fineTuneJob.count()).toBe(count);
  });

  it("preference tuning: refuses SFT data and a beta on an SFT job naming the field; resolves beta for DPO", async () => {
    const e = await expectAppError(
      asOwnerA().jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "preference",
        datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
      }),
      "BAD_REQUEST",
      "datasets.0.datasetVersionId",
    );
    expect(e.message).toMatch(/format "chat"; technique "preference" needs one of: preference/);
    const beta = await expectAppError(
      asOwnerA().jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
        hyperparameters: { beta: 0.2 },
      }),
      "BAD_REQUEST",
    );
    expect(beta.message).toMatch(/beta is a hyperparameter of Preference tuning \(DPO\) only/);

    const pairs = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, format: "preference", rows: 300 });
    const job = await asOwnerA().jobs.create({
      baseModelId: w.sharedModel.id,
      technique: "preference",
      datasets: [{ datasetVersionId: pairs.id, weight: 1 }],
      readinessOverride: { reason: "seeded profile without a readiness report" },
    });
    const row = await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.technique).toBe("preference");
    expect((row.hyperparameters as Record<string, unknown>).beta).toBe(0.1);
    const payload = trainingJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(job.id))!.data);
    expect(payload).toMatchObject({ technique: "preference", hyperparameters: { beta: 0.1 } });
    expect(payload.datasets[0]).toMatchObject({ format: "preference" });
  });

  it("rejects an invalid spec through the shared zod schema", async () => {
    await expectAppError(
      asOwnerA().jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
        hyperparameters: { epochs: 0 },
      }),
      "BAD_REQUEST",
    );
  });

  it("refuses viewers", async () => {
    await expectAppError(
      env.as(w.viewerA, w.teamA.slug).jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
      }),
      "FORBIDDEN",
    );
  });
});

describe("jobs reads", () => {
  it("lists newest first with cursor pagination and a state filter", async () => {
    const team = await env.db.prisma.team.create({
      data: { name: "Paging", slug: "paging", memberships: { create: { userId: w.ownerA.id, role: "owner" } } },
    });
    const dv = await seedDatasetVersion(env.db.prisma, { teamId: team.id, format: "chat" });
    const t0 = Date.now() - 100_000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const j = await seedJob(env.db.prisma, {
        teamId: team.id,
        baseModelId: w.sharedModel.id,
        datasetVersionIds: [dv.id],
        state: i % 2 === 0 ? "succeeded" : "failed",
        createdAt: new Date(t0 + (i < 4 ? i : 4) * 1000), // 3 share a timestamp
      });
      ids.push(j.id);
    }
    const caller = env.as(w.ownerA, "paging");
    const seen: string[] = [];
    let cursor: string | undefined;
    // A server whose local time is not UTC pages the same (the cursor's time is sent as UTC, as Prisma stores it).
    const tz = process.env.TZ;
    process.env.TZ = "America/New_York";
    try {
      for (let page = 0; page < 10; page++) {
        const r = await caller.jobs.list({ limit: 3, cursor });
        seen.push(...r.items.map((j) => j.id));
        if (!r.nextCursor) break;
        cursor = r.nextCursor;
      }
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(ids));
    // Newest first; ties on createdAt broken by id, so pages neither skip nor repeat.
    const rows = await env.db.prisma.fineTuneJob.findMany({
      where: { teamId: team.id },
      select: { id: true, createdAt: true },
    });
    const expected = rows
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);
    expect(seen).toEqual(expected);
    expect(seen.at(-1)).toBe(ids[0]);

    const first = (await caller.jobs.list({ limit: 1 })).items[0]!;
    expect(first.baseModel.name).toBe(w.sharedModel.name);
    expect(first.datasets[0]?.datasetName).toBe(dv.dataset.name);

    const failed = await caller.jobs.list({ limit: 50, state: "failed" });
    expect(failed.items.map((j) => j.state)).toEqual(["failed", "failed", "failed"]);
  });

  it("lists each job as the same summary a single read gives, every field (PostgreSQL builds the page's JSON)", async () => {
    const team = await env.db.prisma.team.create({
      data: { name: "Shapes", slug: "shapes", memberships: { create: { userId: w.ownerA.id, role: "owner" } } },
    });
    const a = await seedDatasetVersion(env.db.prisma, { teamId: team.id, format: "chat" });
    const b = await seedDatasetVersion(env.db.prisma, { teamId: team.id, format: "chat" });
    const plain = await seedJob(env.db.prisma, {
      teamId: team.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [a.id],
      state: "queued",
    });
    const full = await seedJob(env.db.prisma, {
      teamId: team.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [a.id, b.id],
      state: "running",
    });
    await env.db.prisma.jobDataset.updateMany({
      where: { jobId: full.id, datasetVersionId: b.id },
      data: { weight: 2.5 },
    });
    await env.db.prisma.fineTuneJob.update({
      where: { id: full.id },
      data: {
        name: 'say "hi"\n— naïve ✓',
        validationSetId: b.id,
        totalSteps: 40,
        currentStep: 12,
        runnerName: "gpu-1",
        error: null,
        pendingReason: "waits\tfor a GPU",
        startedAt: new Date("2026-01-02T03:04:05.006Z"),
        cancelRequestedAt: new Date("2026-01-02T03:04:06.999Z"),
      },
    });
    const listed = (await env.as(w.ownerA, "shapes").jobs.list({ limit: 10 })).items;
    expect(listed.map((j) => j.id).sort()).toEqual([plain.id, full.id].sort());
    for (const item of listed) {
      expect(item).toEqual(await getJobSummary(env.db.prisma, team.id, item.id));
    }
    const f = listed.find((j) => j.id === full.id)!;
    expect(f.cancelling).toBe(true);
    expect(f.startedAt).toEqual(new Date("2026-01-02T03:04:05.006Z"));
    expect(f.validationSet?.datasetVersionId).toBe(b.id);
    expect(f.datasets.map((d) => d.weight).sort()).toEqual([1, 2.5]);
  });

  it("gets a job with datasets, base model, artifacts, checkpoints and the state timeline", async () => {
    const job = await asOwnerA().jobs.get({ id: w.runningJobA.id });
    expect(job.state).toBe("running");
    expect(job.baseModel).toMatchObject({ id: w.localModelA.id, source: "local" });
    expect(job.datasets.map((d) => d.datasetVersionId)).toEqual([w.chatA.id]);
    expect(job.checkpoints).toEqual([expect.objectContaining({ step: 20, bytes: 1000 })]);
    expect(job.timeline).toEqual([expect.objectContaining({ state: "running" })]);
    const done = await asOwnerA().jobs.get({ id: w.doneJobA.id });
    expect(done.artifacts).toEqual([
      expect.objectContaining({ kind: "adapter", bytes: 52_000, sha256: "c".repeat(64) }),
    ]);
    expect(done.producedModel?.id).toBe(w.artifactModelA.id);
    expect(await asOwnerA().jobs.artifacts({ id: w.doneJobA.id })).toEqual(done.artifacts);
  });

  it("tails events after a cursor", async () => {
    const jobId = w.runningJobA.id;
    const t = Date.now();
    for (let i = 0; i < 5; i++) {
      await env.db.prisma.jobEvent.create({
        data: { jobId, kind: "log", message: `line ${i}`, createdAt: new Date(t + i) },
      });
    }
    const caller = asOwnerA();
    const p1 = await caller.jobs.events({ id: jobId, limit: 3 });
    expect(p1.items.map((e) => e.message)).toEqual(["running", "line 0", "line 1"]);
    expect(p1.hasMore).toBe(true);
    const p2 = await caller.jobs.events({ id: jobId, after: p1.cursor!, limit: 100 });
    expect(p2.items.map((e) => e.message)).toEqual(["line 2", "line 3", "line 4"]);
    const p3 = await caller.jobs.events({ id: jobId, after: p2.cursor!, limit: 100 });
    expect(p3.items).toEqual([]);
    expect(p3.cursor).toBe(p2.cursor);
    await env.db.prisma.jobEvent.create({
      data: { jobId, kind: "log", message: "line 5", createdAt: new Date(t + 10) },
    });
    expect(
      (await caller.jobs.events({ id: jobId, after: p3.cursor!, limit: 100 })).items.map((e) => e.message),
    ).toEqual(["line 5"]);
    const states = await caller.jobs.events({ id: jobId, kind: "state", limit: 100 });
    expect(states.items.map((e) => e.message)).toEqual(["running"]);
  });

  it("groups metrics into series, optionally after a step", async () => {
    const m = await asOwnerA().jobs.metrics({ id: w.runningJobA.id });
    expect(m.series).toEqual([
      {
        name: "train_loss",
        points: [
          { step: 10, epoch: 0.1, value: 2.5 },
          { step: 20, epoch: 0.2, value: 2.1 },
        ],
      },
      { name: "val_loss", points: [{ step: 20, epoch: 0.2, value: 2.3 }] },
    ]);
    expect(m.lastStep).toBe(20);
    const since = await asOwnerA().jobs.metrics({ id: w.runningJobA.id, sinceStep: 10 });
    expect(since.series.map((s) => [s.name, s.points.map((p) => p.step)])).toEqual([
      ["train_loss", [20]],
      ["val_loss", [20]],
    ]);
  });
});

describe("jobs.cancel", () => {
  it("cancels a queued job at once and removes its BullMQ job", async () => {
    const job = await asOwnerA().jobs.create({
      baseModelId: w.sharedModel.id,
      technique: "sft",
      datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
    });
    expect(await env.deps.trainingQueue.getJob(job.id)).toBeDefined();
    const r = await asOwnerA().jobs.cancel({ id: job.id });
    expect(r.state).toBe("cancelled");
    expect(r.finishedAt).not.toBeNull();
    expect(await env.deps.trainingQueue.getJob(job.id)).toBeUndefined();
    expect(await env.deps.redis.get(cancelKey(job.id))).toBe("1");
    const audit = await env.db.prisma.auditLog.findFirst({ where: { action: "job.cancelled", targetId: job.id } });
    expect(audit?.actorUserId).toBe(w.ownerA.id);
    const timeline = (await asOwnerA().jobs.get({ id: job.id })).timeline;
    expect(timeline.map((t) => t.state)).toEqual(["queued", "cancelled"]);
    expect(timeline[1]?.reason).toContain(w.ownerA.email);
  });

  it("asks the runner to stop a running job: flag with a TTL, cancelRequestedAt, still running (cancelling)", async () => {
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "running",
    });
    const r = await env.as(w.memberA, w.teamA.slug).jobs.cancel({ id: job.id });
    expect(r.state).toBe("running");
    expect(r.cancelling).toBe(true);
    expect(r.cancelRequestedAt).not.toBeNull();
    expect(await env.deps.redis.get(cancelKey(job.id))).toBe("1");
    const ttl = await env.deps.redis.ttl(cancelKey(job.id));
    expect(ttl).toBeGreaterThan(23 * 3600);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
    // Asking twice is harmless.
    expect((await env.as(w.memberA, w.teamA.slug).jobs.cancel({ id: job.id })).state).toBe("running");
  });

  it.each(["validating_files", "pending_quota"] as const)("cancels a %s job at once", async (state) => {
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state,
    });
    expect((await asOwnerA().jobs.cancel({ id: job.id })).state).toBe("cancelled");
  });

  it.each(["succeeded", "failed", "cancelled"] as const)("refuses a %s job, naming the state", async (state) => {
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state,
    });
    const e = await expectAppError(asOwnerA().jobs.cancel({ id: job.id }), "PRECONDITION_FAILED");
    expect(e.message).toContain(state);
  });
});
