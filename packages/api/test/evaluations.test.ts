/**
 * Evaluations (decision 0007): created on demand through the router (and REST), automatically when a training job
 * succeeds, enqueued crash-safe, driven by the runner's `evaluate` events, repaired by the reconciler. Real
 * PostgreSQL, Redis and a local blob storage directory.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cancelKey,
  evaluationJobPayloadSchema,
  JOB_KINDS,
  runnerEventSchema,
  type RunnerEventInput,
} from "@whetstone/queue";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import { performApplyEffects } from "../src/runner-events/perform-apply-effects";
import type { ApplyResult } from "../src/runner-events/runner-event.types";
import { seedBaseModel, seedDatasetVersion, seedJob, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { ev, HYPERPARAMETERS } from "./runner-fixtures";
import { serveRest } from "./rest-client";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  // The adapter of team A's produced model is in storage: it can be loaded.
  await putBlob(`jobs/${w.doneJobA.id}/artifacts/adapter/adapter_model.safetensors`, "weights");
});
afterAll(() => env?.close());

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);
const quiet = { warn: () => undefined, error: () => undefined };

async function putBlob(key: string, body: string | Buffer) {
  return env.deps.storage.put(key, Readable.from([Buffer.from(body)]));
}

async function expectAppError(p: Promise<unknown>, code: string, field?: string, message?: RegExp) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the call to fail").toBeInstanceOf(TRPCError);
  const e = err as TRPCError & { cause?: { details?: Record<string, unknown> } };
  expect(`${e.code}: ${e.message}`).toMatch(new RegExp(`^${code}: `));
  if (field) expect(e.cause?.details?.field).toBe(field);
  if (message) expect(e.message).toMatch(message);
  return e;
}

/** Applies events as the events consumer does: one transaction each, deduplicated on the event id. */
async function send(...events: RunnerEventInput[]): Promise<(ApplyResult | null)[]> {
  const results: (ApplyResult | null)[] = [];
  for (const e of events) {
    const event = runnerEventSchema.parse(e);
    results.push(
      await env.db.prisma.$transaction(async (tx) => {
        const inserted = await tx.processedEvent.createMany({
          data: [{ eventId: event.eventId }],
          skipDuplicates: true,
        });
        if (inserted.count === 0) return null;
        return applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000, storage: env.deps.storage });
      }),
    );
  }
  return results;
}

const evalEv = {
  state: (id: string, state: "running" | "queued" | "succeeded" | "failed" | "cancelled", extra = {}) =>
    ev.state(id, state, { kind: "evaluate", ...extra } as Partial<RunnerEventInput>),
  progress: (id: string, done: number, total: number) =>
    ({ ...ev.metric(id, done, { examples_done: done, examples_total: total }), kind: "evaluate" }) as RunnerEventInput,
  log: (id: string, level: "info" | "error", message: string) =>
    ({ ...ev.log(id, message), level, kind: "evaluate" }) as RunnerEventInput,
};

/** A report as the runner writes it (version 1), with flips carrying examples. */
function report(models: [string, string]) {
  const [base, ft] = models;
  return {
    reportVersion: 1,
    technique: "sft",
    base,
    models,
    bootstrap: { method: "paired percentile", resamples: 1000, seed: 0, confidence: 0.95 },
    tasks: [
      {
        name: "support-chat",
        kind: "sft",
        examples: 6,
        primaryMetric: "rouge_l",
        models: {
          [base]: { scores: { rouge_l: 0.41, perplexity: 9.5, ece: NaN }, tokens: 512 },
          [ft]: { scores: { rouge_l: 0.72, perplexity: 4.1, ece: NaN }, tokens: 512 },
        },
      },
    ],
    comparisons: [
      {
        model: ft,
        headline: "The fine-tuned model beats the base on ROUGE-L by +0.31 (95% CI [0.25, 0.37]).",
        metrics: [
          {
            task: "support-chat",
            metric: "rouge_l",
            label: "ROUGE-L",
            higherIsBetter: true,
            base: 0.41,
            candidate: 0.72,
            delta: 0.31,
            ciLow: 0.25,
            ciHigh: 0.37,
            fractionLeZero: 0,
            pNotBetter: 0,
            better: true,
            verdict: "better",
          },
        ],
        flips: {
          "support-chat": {
            gained: {
              count: 2,
              examples: [{ index: 3, input: "Can I return boots?", reference: "Yes", base: "No", candidate: "Yes" }],
            },
            lost: { count: 0, examples: [] },
          },
        },
        warnings: [],
      },
    ],
    headline: "The fine-tuned model beats the base on ROUGE-L by +0.31 (95% CI [0.25, 0.37]).",
    warnings: [],
  };
}

/** The runner's JSON: Python writes NaN bare. */
const pythonJson = (value: unknown) =>
  JSON.stringify(value, (_k, v: unknown) => (Number.isNaN(v) ? "__NaN__" : v)).replaceAll('"__NaN__"', "NaN");

describe("evaluations.create", () => {
  it("writes the evaluation (reference first) and enqueues its payload on the training queue with its id", async () => {
    const e = await asOwnerA().evaluations.create({
      models: [{ modelId: w.sharedModel.id }, { modelId: w.artifactModelA.id, label: "support v1" }],
      datasetVersionIds: [w.chatA.id],
    });
    expect(e).toMatchObject({
      state: "queued",
      technique: "sft", // from the job that produced support-v1
      splitKind: "all",
      sourceJob: null,
      models: [
        { position: 0, modelId: w.sharedModel.id, label: w.sharedModel.name, reference: true },
        {
          position: 1,
          modelId: w.artifactModelA.id,
          label: "support v1",
          reference: false,
          sourceJobId: w.doneJobA.id,
        },
      ],
      datasets: [{ datasetVersionId: w.chatA.id, datasetName: "support-chat", format: "chat" }],
      summary: null,
    });
    expect(e.name).toBe(`support v1 vs ${w.sharedModel.name}`);
    const row = await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id: e.id } });
    expect(row).toMatchObject({ teamId: w.teamA.id, createdById: w.ownerA.id });
    expect(row.enqueuedAt).not.toBeNull();

    const bull = await env.deps.trainingQueue.getJob(e.id);
    expect(bull?.id).toBe(e.id);
    expect(bull?.name).toBe(JOB_KINDS.evaluate.jobName);
    expect(JOB_KINDS.evaluate.queue).toBe("training");
    expect(bull?.queueName).toBe(env.queueName);
    const payload = evaluationJobPayloadSchema.parse(bull!.data);
    expect(payload).toMatchObject({
      kind: "evaluate",
      jobId: e.id,
      teamId: w.teamA.id,
      technique: "sft",
      split: { kind: "all", fraction: 0, seed: 42 },
      outputPrefix: `evaluations/${e.id}/`,
      maxExamples: 300,
      datasets: [{ datasetVersionId: w.chatA.id, key: w.chatA.blobKey, format: "chat", rows: 64 }],
    });
    // The produced model carries its lineage: the adapter is loaded on its parent.
    expect(payload.models[1]).toMatchObject({
      modelId: w.artifactModelA.id,
      label: "support v1",
      ref: {
        source: "artifact",
        ref: `jobs/${w.doneJobA.id}/artifacts/`,
        artifactKind: "adapter",
        parent: { id: w.sharedModel.id, source: "huggingface" },
      },
    });

    // Enqueue is idempotent: the reconciler finds nothing to do.
    const report = await reconcileOnce(env.deps, { log: quiet });
    expect(report.evaluationsEnqueued).not.toContain(e.id);
  });

  it("evaluates a training job's test split with its datasets, testSplit and seed", async () => {
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "succeeded",
    });
    await env.db.prisma.fineTuneJob.update({
      where: { id: job.id },
      data: { seed: 7, hyperparameters: { ...HYPERPARAMETERS, testSplit: 0.2, seed: 7, maxSeqLength: 256 } },
    });
    const e = await asOwnerA().evaluations.create({
      models: [{ modelId: w.sharedModel.id }, { modelId: w.localModelA.id }],
      jobId: job.id,
      settings: { maxExamples: 50 },
    });
    expect(e).toMatchObject({ technique: "sft", splitKind: "test", splitFraction: 0.2, seed: 7 });
    expect(e.sourceJob?.id).toBe(job.id);
    const payload = evaluationJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(e.id))!.data);
    expect(payload).toMatchObject({
      split: { kind: "test", fraction: 0.2, seed: 7 },
      maxExamples: 50,
      maxSeqLength: 256,
    });

    await env.db.prisma.fineTuneJob.update({
      where: { id: job.id },
      data: { hyperparameters: { ...HYPERPARAMETERS, testSplit: 0 } },
    });
    await expectAppError(
      asOwnerA().evaluations.create({
        models: [{ modelId: w.sharedModel.id }, { modelId: w.localModelA.id }],
        jobId: job.id,
      }),
      "BAD_REQUEST",
      "jobId",
      /held out no test split/,
    );
  });

  it("refuses each bad input with a message naming the field", async () => {
    const c = asOwnerA();
    const two = [{ modelId: w.sharedModel.id }, { modelId: w.localModelA.id }];
    await expectAppError(
      c.evaluations.create({ models: [], datasetVersionIds: [w.chatA.id] }),
      "BAD_REQUEST",
      "models",
      /got 0 models/,
    );
    await expectAppError(
      c.evaluations.create({
        models: [{ modelId: w.sharedModel.id }],
        datasetVersionIds: [w.chatA.id],
        technique: "sft",
      }),
      "BAD_REQUEST",
      "models",
      /at least one other/,
    );
    await expectAppError(
      c.evaluations.create({
        models: Array.from({ length: 9 }, () => ({ modelId: w.sharedModel.id })),
        datasetVersionIds: [w.chatA.id],
      }),
      "BAD_REQUEST",
    );
    await expectAppError(
      c.evaluations.create({ models: [two[0]!, two[0]!], datasetVersionIds: [w.chatA.id], technique: "sft" }),
      "BAD_REQUEST",
      "models.1.modelId",
      /already in the list/,
    );
    // A model of another team: not found, like every other object of another team.
    await expectAppError(
      c.evaluations.create({
        models: [two[0]!, { modelId: w.modelB.id }],
        datasetVersionIds: [w.chatA.id],
        technique: "sft",
      }),
      "NOT_FOUND",
      "models.1.modelId",
    );
    await expectAppError(
      c.evaluations.create({ models: two, datasetVersionIds: [w.chatA.id] }),
      "BAD_REQUEST",
      "technique",
      /give the technique/,
    );
    await expectAppError(
      c.evaluations.create({ models: two, datasetVersionIds: [w.chatA.id], technique: "classification" }),
      "BAD_REQUEST",
      "datasetVersionIds.0",
      /format "chat"; technique "classification" needs one of: classification/,
    );
    await expectAppError(
      c.evaluations.create({ models: two, datasetVersionIds: [w.chatB.id], technique: "sft" }),
      "NOT_FOUND",
      "datasetVersionIds.0",
    );
    await expectAppError(c.evaluations.create({ models: two, technique: "sft" }), "BAD_REQUEST", "datasetVersionIds");
    await expectAppError(
      c.evaluations.create({ models: two, technique: "sft", datasetVersionIds: [w.chatA.id], jobId: w.doneJobA.id }),
      "BAD_REQUEST",
      "jobId",
    );

    // A produced model whose artifacts are gone from storage, or whose job recorded none.
    const goneJob = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "succeeded",
      name: "contracts-v2",
    });
    const gone = await seedBaseModel(env.db.prisma, {
      teamId: w.teamA.id,
      name: "contracts-v2",
      source: "artifact",
      parentId: w.sharedModel.id,
      sourceJobId: goneJob.id,
      artifactKind: "adapter",
    });
    await env.db.prisma.artifact.create({
      data: {
        jobId: goneJob.id,
        kind: "adapter",
        name: "a.safetensors",
        key: `jobs/${goneJob.id}/artifacts/adapter/a.safetensors`,
        bytes: 1n,
        sha256: "e".repeat(64),
      },
    });
    await expectAppError(
      c.evaluations.create({ models: [two[0]!, { modelId: gone.id }], datasetVersionIds: [w.chatA.id] }),
      "BAD_REQUEST",
      "models.1.modelId",
      /the artifacts of model "contracts-v2" \(job "contracts-v2"\) are gone/,
    );
    // A classifier cannot be evaluated on a generative task.
    const clfJob = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "succeeded",
    });
    await env.db.prisma.fineTuneJob.update({ where: { id: clfJob.id }, data: { technique: "classification" } });
    const clf = await seedBaseModel(env.db.prisma, {
      teamId: w.teamA.id,
      source: "artifact",
      parentId: w.sharedModel.id,
      sourceJobId: clfJob.id,
      artifactKind: "adapter",
    });
    await env.db.prisma.artifact.create({
      data: {
        jobId: clfJob.id,
        kind: "adapter",
        name: "a.safetensors",
        key: `jobs/${clfJob.id}/artifacts/adapter/a.safetensors`,
        bytes: 1n,
        sha256: "e".repeat(64),
      },
    });
    await putBlob(`jobs/${clfJob.id}/artifacts/adapter/a.safetensors`, "w");
    await expectAppError(
      c.evaluations.create({
        models: [two[0]!, { modelId: clf.id }],
        datasetVersionIds: [w.chatA.id],
        technique: "sft",
      }),
      "BAD_REQUEST",
      "models.1.modelId",
      /trained as a classifier/,
    );
    // Viewers cannot create.
    await expectAppError(
      env
        .as(w.viewerA, w.teamA.slug)
        .evaluations.create({ models: two, datasetVersionIds: [w.chatA.id], technique: "sft" }),
      "FORBIDDEN",
    );
  });

  it("keeps evaluations of team A from team B", async () => {
    const e = await asOwnerA().evaluations.create({
      models: [{ modelId: w.sharedModel.id }, { modelId: w.localModelA.id }],
      datasetVersionIds: [w.textA.id],
      technique: "continued_pretraining",
    });
    const b = env.as(w.ownerB, w.teamB.slug);
    await expectAppError(b.evaluations.get({ id: e.id }), "NOT_FOUND");
    await expectAppError(b.evaluations.cancel({ id: e.id }), "NOT_FOUND");
    expect((await b.evaluations.list({})).items).toEqual([]);
    expect((await b.evaluations.list({ modelId: w.sharedModel.id })).items).toEqual([]);
  });
});

describe("evaluations.list and cancel", () => {
  it("filters by job and by model, newest first, with a cursor", async () => {
    const dv = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, format: "chat" });
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [dv.id],
      state: "succeeded",
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await asOwnerA().evaluations.create({
        name: `run ${i}`,
        models: [{ modelId: w.sharedModel.id }, { modelId: i === 2 ? w.artifactModelA.id : w.localModelA.id }],
        jobId: job.id,
        technique: "sft",
      });
      ids.push(e.id);
    }
    const page1 = await asOwnerA().evaluations.list({ jobId: job.id, limit: 2 });
    expect(page1.items.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    const page2 = await asOwnerA().evaluations.list({ jobId: job.id, limit: 2, cursor: page1.nextCursor! });
    expect(page2.items.map((e) => e.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    const byModel = await asOwnerA().evaluations.list({ modelId: w.artifactModelA.id, limit: 200 });
    expect(byModel.items.map((e) => e.id)).toContain(ids[2]);
    expect(byModel.items.map((e) => e.id)).not.toContain(ids[1]);
  });

  it("cancels a queued evaluation at once, removes its BullMQ job and sets the runner's cancel flag", async () => {
    const e = await asOwnerA().evaluations.create({
      models: [{ modelId: w.sharedModel.id }, { modelId: w.localModelA.id }],
      datasetVersionIds: [w.chatA.id],
      technique: "sft",
    });
    const cancelled = await env.as(w.memberA, w.teamA.slug).evaluations.cancel({ id: e.id });
    expect(cancelled.state).toBe("cancelled");
    expect(cancelled.finishedAt).not.toBeNull();
    expect(await env.deps.trainingQueue.getJob(e.id)).toBeUndefined();
    expect(await env.deps.redis.get(cancelKey(e.id))).toBe("1");
    await env.deps.redis.del(cancelKey(e.id));
    await expectAppError(asOwnerA().evaluations.cancel({ id: e.id }), "PRECONDITION_FAILED");
  });
});

describe("automatic evaluation after training", () => {
  async function runningJob(hyperparameters: object) {
    const dv = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, format: "chat" });
    const dv2 = await seedDatasetVersion(env.db.prisma, { teamId: w.teamA.id, format: "chat" });
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [dv.id, dv2.id],
      state: "running",
      name: "support-bot",
      createdById: w.memberA.id,
    });
    return env.db.prisma.fineTuneJob.update({
      where: { id: job.id },
      data: { runnerName: "gpu-1", hyperparameters, seed: 11 },
      include: { datasets: true },
    });
  }

  it("creates base vs produced model on the job's test split in the success's transaction, enqueued after commit", async () => {
    // Hyperparameters stored before testSplit existed: the default 0.1 applies.
    const job = await runningJob({ ...HYPERPARAMETERS, seed: 11 });
    const [result] = await send(
      ev.state(job.id, "succeeded", {
        artifacts: [
          {
            kind: "adapter",
            name: "adapter_model.safetensors",
            key: `jobs/${job.id}/artifacts/adapter/adapter_model.safetensors`,
            bytes: 10,
            sha256: "c".repeat(64),
          },
        ],
      }),
    );
    const produced = await env.db.prisma.baseModel.findUniqueOrThrow({ where: { sourceJobId: job.id } });
    const e = await env.db.prisma.evaluation.findFirstOrThrow({
      where: { sourceJobId: job.id },
      include: { models: { orderBy: { position: "asc" } }, datasets: true },
    });
    expect(e).toMatchObject({
      teamId: w.teamA.id,
      createdById: w.memberA.id,
      technique: "sft",
      splitKind: "test",
      splitFraction: 0.1,
      seed: 11,
      state: "queued",
      enqueuedAt: null,
    });
    expect(e.models.map((m) => [m.baseModelId, m.label])).toEqual([
      [w.sharedModel.id, w.sharedModel.name],
      [produced.id, "support-bot"],
    ]);
    expect(e.datasets.map((d) => d.datasetVersionId).sort()).toEqual(
      job.datasets.map((d) => d.datasetVersionId).sort(),
    );
    expect(result?.effects).toEqual([{ type: "enqueueEvaluation", evaluationId: e.id }]);

    // What the events consumer does after the commit.
    await performApplyEffects(env.deps, result!.effects!, quiet);
    const bull = await env.deps.trainingQueue.getJob(e.id);
    expect(bull?.name).toBe("evaluation.run");
    const payload = evaluationJobPayloadSchema.parse(bull!.data);
    expect(payload.split).toEqual({ kind: "test", fraction: 0.1, seed: 11 });
    expect(payload.seed).toBe(11);
    // The runner carves dataset i with seed + i in the training payload's order: by dataset version id.
    expect(payload.datasets.map((d) => d.datasetVersionId)).toEqual(job.datasets.map((d) => d.datasetVersionId).sort());
    expect(payload.models.map((m) => m.label)).toEqual([w.sharedModel.name, "support-bot"]);
    expect((await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id: e.id } })).enqueuedAt).not.toBeNull();
  });

  it("creates none when the job held out no test split", async () => {
    const job = await runningJob({ ...HYPERPARAMETERS, testSplit: 0 });
    const [result] = await send(ev.state(job.id, "succeeded"));
    expect(result?.effects).toBeUndefined();
    expect(await env.db.prisma.evaluation.count({ where: { sourceJobId: job.id } })).toBe(0);
  });

  it("is enqueued by the reconciler when the worker died before enqueueing it", async () => {
    const job = await runningJob({ ...HYPERPARAMETERS, testSplit: 0.25 });
    await send(ev.state(job.id, "succeeded"));
    const e = await env.db.prisma.evaluation.findFirstOrThrow({ where: { sourceJobId: job.id } });
    const report = await reconcileOnce(env.deps, { log: quiet });
    expect(report.evaluationsEnqueued).toContain(e.id);
    expect(evaluationJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(e.id))!.data).split.fraction).toBe(
      0.25,
    );
    expect((await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id: e.id } })).enqueuedAt).not.toBeNull();
    expect((await reconcileOnce(env.deps, { log: quiet })).evaluationsEnqueued).not.toContain(e.id);
  });
});

describe("evaluate events", () => {
  async function queuedEvaluation() {
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "running",
      name: "train-run",
    });
    await env.db.prisma.fineTuneJob.update({ where: { id: job.id }, data: { runnerName: "gpu-1" } });
    const [r] = await send(ev.state(job.id, "succeeded"));
    const id = r!.effects![0]!.evaluationId;
    return { job, id };
  }

  it("drives progress, reads the report from storage on success, and keeps the summary without examples", async () => {
    const { job, id } = await queuedEvaluation();
    const t0 = new Date("2026-04-01T10:00:00.000Z");
    const results = await send(
      evalEv.state(id, "running", { runner: "gpu-3", attempt: 1, ts: t0.toISOString() }),
      evalEv.progress(id, 2, 6),
      evalEv.log(id, "info", "scoring base"),
    );
    expect(results[0]?.updates).toEqual([
      { jobId: id, message: { type: "state", kind: "evaluate", state: "running" } },
    ]);
    expect(results[1]?.updates).toEqual([
      { jobId: id, message: { type: "progress", kind: "evaluate", examplesDone: 2, examplesTotal: 6 } },
    ]);
    expect(await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      state: "running",
      runnerName: "gpu-3",
      startedAt: t0,
      examplesDone: 2,
      examplesTotal: 6,
    });

    const body = Buffer.from(pythonJson(report(["shared", "train-run"])));
    const key = `evaluations/${id}/report.json`;
    await putBlob(key, body);
    const sha256 = createHash("sha256").update(body).digest("hex");
    const success = [
      evalEv.progress(id, 6, 6),
      evalEv.state(id, "succeeded", {
        runner: "gpu-3",
        artifacts: [{ kind: "eval_report", name: "report.json", key, bytes: body.length, sha256 }],
      }),
    ];
    const done = await send(...success);
    expect(done[1]?.outcome).toBe("applied");
    const row = await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({
      state: "succeeded",
      reportKey: key,
      reportBytes: BigInt(body.length),
      reportSha256: sha256,
      examplesDone: 6,
      error: null,
    });
    expect(row.summary).toMatchObject({
      headline: expect.stringContaining("beats the base on ROUGE-L"),
      technique: "sft",
      tasks: [{ name: "support-chat", models: { shared: { scores: { rouge_l: 0.41, ece: null } } } }],
      comparisons: [{ model: "train-run", flips: { "support-chat": { gained: 2, lost: 0 } } }],
    });
    expect(JSON.stringify(row.summary)).not.toContain("Can I return boots?");
    expect(JSON.stringify(row.summary)).not.toContain("tokens");

    // The API answers the summary in lists and the whole report (flips with examples) on get.
    const got = await asOwnerA().evaluations.get({ id });
    expect(got.report?.comparisons[0]?.flips["support-chat"]?.gained.examples[0]).toMatchObject({
      input: "Can I return boots?",
    });
    expect(got.reportError).toBeNull();
    expect(got.summary?.comparisons[0]?.metrics[0]).toMatchObject({ verdict: "better", ciLow: 0.25 });
    const listed = await asOwnerA().evaluations.list({ jobId: job.id });
    expect(listed.items[0]?.summary?.headline).toBe(got.summary?.headline);

    // A replay changes nothing (the same ids), and a late state report is ignored.
    expect(await send(...success)).toEqual([null, null]);
    const late = await send(evalEv.state(id, "running", { runner: "gpu-3" }));
    expect(late[0]).toMatchObject({
      outcome: "ignored",
      reason: 'an evaluation in state "succeeded" cannot move to "running"',
    });
  });

  it("applies a replayed event once", async () => {
    const { id } = await queuedEvaluation();
    const running = evalEv.state(id, "running", { runner: "gpu-3" });
    const failed = evalEv.state(id, "failed", { runner: "gpu-3", message: "CUDA out of memory" });
    const first = await send(running, failed);
    expect(first.every((r) => r?.outcome === "applied")).toBe(true);
    expect(await send(running, failed)).toEqual([null, null]);
    const row = await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ state: "failed", error: "CUDA out of memory", attempt: 1 });
  });

  it("fails the evaluation, never the training job; an error log is the reason when the failure has none", async () => {
    const { job, id } = await queuedEvaluation();
    await send(
      evalEv.state(id, "running", { runner: "gpu-3" }),
      evalEv.log(id, "error", "model jobs/x/artifacts/ could not be loaded: adapter_config.json missing"),
      evalEv.state(id, "failed", { runner: "gpu-3" }),
    );
    expect(await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id } })).toMatchObject({
      state: "failed",
      error: "model jobs/x/artifacts/ could not be loaded: adapter_config.json missing",
    });
    expect(await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      state: "succeeded",
      error: null,
    });
  });

  it("fails an evaluation whose runner reported success without a readable report", async () => {
    const { id } = await queuedEvaluation();
    await send(evalEv.state(id, "running", { runner: "gpu-3" }), evalEv.state(id, "succeeded", { runner: "gpu-3" }));
    const row = await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id } });
    expect(row.state).toBe("failed");
    expect(row.error).toBe(
      `the runner reported success, but its report evaluations/${id}/report.json is not in storage`,
    );

    const other = await queuedEvaluation();
    await putBlob(`evaluations/${other.id}/report.json`, '{"reportVersion": 2}');
    await send(
      evalEv.state(other.id, "running", { runner: "gpu-3" }),
      evalEv.state(other.id, "succeeded", { runner: "gpu-3" }),
    );
    expect((await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id: other.id } })).error).toMatch(
      /is not a version 1 report \(reportVersion:/,
    );
  });

  it("ignores events of an unknown evaluation, with the reason", async () => {
    const results = await send(
      evalEv.state("eval-nope", "running"),
      evalEv.progress("eval-nope", 1, 2),
      evalEv.log("eval-nope", "error", "boom"),
    );
    expect(results.map((r) => r && r.outcome === "ignored" && r.reason)).toEqual([
      "unknown evaluation eval-nope",
      "unknown evaluation eval-nope",
      "unknown evaluation eval-nope",
    ]);
  });
});

describe("REST", () => {
  function rest(path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${w.apiKeyA.key}`);
    if (init.body) headers.set("content-type", "application/json");
    const req = new Request(`http://localhost/api/v1${path}`, { ...init, headers });
    return serveRest(req, env.deps);
  }

  it("creates, lists, gets and cancels evaluations, and names the bad field", async () => {
    const created = await rest("/evaluations", {
      method: "POST",
      body: JSON.stringify({
        models: [{ modelId: w.sharedModel.id }, { modelId: w.artifactModelA.id }],
        datasetVersionIds: [w.chatA.id],
      }),
    });
    expect(created.status).toBe(201);
    const e = (await created.json()) as { id: string; state: string; createdAt: string; models: { label: string }[] };
    expect(e).toMatchObject({ state: "queued", models: [{ label: w.sharedModel.name }, { label: "support-v1" }] });
    expect(typeof e.createdAt).toBe("string");

    const list = await rest(`/evaluations?modelId=${w.artifactModelA.id}&limit=5`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { items: { id: string }[] }).items.map((i) => i.id)).toContain(e.id);

    const got = await rest(`/evaluations/${e.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: e.id, report: null, settings: { maxExamples: 300 } });
    expect((await rest("/evaluations/nope")).status).toBe(404);

    const cancelled = await rest(`/evaluations/${e.id}/cancel`, { method: "POST", body: "{}" });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ state: "cancelled" });
    await env.deps.redis.del(cancelKey(e.id));

    const bad = await rest("/evaluations", {
      method: "POST",
      body: JSON.stringify({ models: [], datasetVersionIds: [w.chatA.id] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("models");
  });
});
