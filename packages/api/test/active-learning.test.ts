/**
 * Active learning (decision 0008) through the router: a project, a round scored by a `score` job (the runner's
 * events and selection file as the runner writes them), hand-outs to several labellers at once, labels with
 * conflicts, retraining as a training job whose success evaluates on the held-out set, the curve, import/export,
 * simulations and the reconciler. Real PostgreSQL, Redis and a local blob storage directory.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JOB_KINDS,
  runnerEventSchema,
  scoreJobPayloadSchema,
  simulationJobPayloadSchema,
  trainingJobPayloadSchema,
  type RunnerEventInput,
} from "@whetstone/queue";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { ev } from "./runner-fixtures";

let env: TestEnv;
let w: World;
const LABELS = ["billing", "shipping", "returns"];
const ids = { pool: "", heldOut: "", seed: "", badHeldOut: "", chat: "" };
/** The pool's row i, and the label an expert gives it. */
const poolText = (i: number) => `ticket ${i}: my parcel ${i % 3 ? "is late" : "was charged twice"}`;
const expert = (text: string) => (text.includes("charged") ? "billing" : "shipping");

async function upload(name: string, lines: unknown[], filename = `${name}.jsonl`) {
  const body = Readable.from(lines.map((l) => JSON.stringify(l) + "\n"));
  const v = await ingestDataset(env.deps, {
    teamId: w.teamA.id,
    userId: w.ownerA.id,
    datasetName: name,
    filename,
    body,
  });
  return v.id;
}

beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  ids.pool = await upload(
    "tickets-pool",
    Array.from({ length: 40 }, (_, i) => ({
      text: `ticket ${i}: my parcel ${i % 3 ? "is late" : "was charged twice"}`,
    })),
  );
  ids.heldOut = await upload(
    "tickets-held-out",
    Array.from({ length: 12 }, (_, i) => ({ text: `held ${i}`, label: LABELS[i % 3] })),
  );
  ids.seed = await upload(
    "tickets-seed",
    Array.from({ length: 6 }, (_, i) => ({ text: `seed ${i}`, label: LABELS[i % 3] })),
  );
  ids.badHeldOut = await upload("tickets-odd", [
    { text: "a", label: "billing" },
    { text: "b", label: "fraud" },
  ]);
}, 60_000);
afterAll(() => env?.close());

const asOwner = () => env.as(w.ownerA, w.teamA.slug);
const asMember = () => env.as(w.memberA, w.teamA.slug);
const asViewer = () => env.as(w.viewerA, w.teamA.slug);

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

/** Applies events as the events consumer does: one transaction each. */
async function send(...events: RunnerEventInput[]) {
  const out = [];
  for (const e of events) {
    const event = runnerEventSchema.parse(e);
    out.push(
      await env.db.prisma.$transaction((tx) =>
        applyRunnerEvent(tx, event, { maxMeteredGapMs: 10_000, storage: env.deps.storage }),
      ),
    );
  }
  return out;
}

async function put(key: string, text: string) {
  await env.deps.storage.put(key, Readable.from([Buffer.from(text)]));
  return { bytes: Buffer.byteLength(text), sha256: createHash("sha256").update(text).digest("hex") };
}

/** What a runner does for a `score` job: progress, the selection file, success. */
async function runScore(roundId: string, pick: number[], runner = "gpu-1") {
  const bull = await env.deps.trainingQueue.getJob(roundId);
  const payload = scoreJobPayloadSchema.parse(bull!.data);
  const rows = pick.map((row, i) => ({
    row,
    text: poolText(row),
    score: 1 - i / 100,
    rank: i + 1,
    prediction: { label: "shipping", confidence: 0.4, probabilities: { billing: 0.35, shipping: 0.4, returns: 0.25 } },
    reason: `margin 0.05 between shipping (0.40) and billing (0.35)`,
  }));
  const key = `${payload.outputPrefix}selection.jsonl`;
  const { bytes, sha256 } = await put(key, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  await send(
    ev.state(roundId, "running", { kind: "score", runner } as Partial<RunnerEventInput>),
    { ...ev.metric(roundId, 1, { rows_done: 40, rows_total: 40 }), kind: "score", runner } as RunnerEventInput,
    ev.state(roundId, "succeeded", {
      kind: "score",
      runner,
      artifacts: [{ kind: "selection", name: "selection.jsonl", key, bytes, sha256 }],
      summary: { rows_scored: 40 },
    } as Partial<RunnerEventInput>),
  );
  return payload;
}

let projectId = "";

describe("projects", () => {
  it("refuses what does not fit, naming the field", async () => {
    const base = {
      name: "tickets",
      task: "classification" as const,
      labels: LABELS.map((name) => ({ name })),
      baseModelId: w.sharedModel.id,
      poolVersionId: ids.pool,
      heldOutVersionId: ids.heldOut,
    };
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, poolVersionId: ids.heldOut }),
      "BAD_REQUEST",
      "poolVersionId",
      /format "text"/,
    );
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, heldOutVersionId: ids.badHeldOut }),
      "BAD_REQUEST",
      "heldOutVersionId",
      /outside the declared set: fraud/,
    );
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, heldOutVersionId: w.chatA.id }),
      "BAD_REQUEST",
      "heldOutVersionId",
      /format "chat"/,
    );
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, labels: [{ name: "only" }] }),
      "BAD_REQUEST",
      "labels",
    );
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, strategy: "token_entropy" }),
      "BAD_REQUEST",
      "strategy",
    );
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, seedVersionId: ids.heldOut }),
      "BAD_REQUEST",
      "seedVersionId",
      /held-out/,
    );
    await expectAppError(
      asOwner().activeLearning.createProject({ ...base, poolVersionId: w.chatB.id }),
      "NOT_FOUND",
      "poolVersionId",
    );
    await expectAppError(asViewer().activeLearning.createProject(base), "FORBIDDEN");
    expect(await env.db.prisma.activeLearningProject.count()).toBe(0);

    const p = await asOwner().activeLearning.createProject({ ...base, batchSize: 5, hyperparameters: { maxSteps: 5 } });
    projectId = p.id;
    expect(p).toMatchObject({
      strategy: "margin",
      batchSize: 5,
      next: "start_round",
      rounds: [],
      curve: { points: [] },
    });
    await expectAppError(asOwner().activeLearning.createProject(base), "CONFLICT", "name");
    // Another team sees nothing of it.
    await expectAppError(env.as(w.ownerB, w.teamB.slug).activeLearning.getProject({ projectId }), "NOT_FOUND");
  });
});

describe("a round", () => {
  let roundId = "";

  it("queues a score job (diversity first: nothing labelled yet) and refuses a second while it runs", async () => {
    const p = await asOwner().activeLearning.startRound({ projectId });
    roundId = p.rounds[0]!.id;
    expect(p.rounds[0]).toMatchObject({
      number: 1,
      strategy: "kcenter",
      state: "queued",
      scoringModel: { id: w.sharedModel.id },
    });
    const bull = await env.deps.trainingQueue.getJob(roundId);
    expect(bull?.name).toBe(JOB_KINDS.score.jobName);
    const payload = scoreJobPayloadSchema.parse(bull!.data);
    expect(payload).toMatchObject({
      kind: "score",
      task: "classification",
      labels: LABELS,
      batchSize: 5,
      excludeRows: [],
      pool: { datasetVersionId: ids.pool, format: "text", rows: 40 },
      model: { modelId: w.sharedModel.id },
    });
    await expectAppError(asOwner().activeLearning.startRound({ projectId }), "CONFLICT", undefined, /still picking/);
  });

  it("takes the runner's selection as the round's rows, and fails a round whose selection does not check out", async () => {
    await runScore(roundId, [3, 9, 17, 21, 30]);
    const p = await asOwner().activeLearning.getProject({ projectId });
    expect(p.rounds[0]).toMatchObject({ state: "succeeded", picked: 5, progressDone: 40, progressTotal: 40 });
    expect(p.counts).toMatchObject({ picked: 5, pending: 5 });
    expect(p.next).toBe("label");
    // A batch still open: no new round.
    await expectAppError(
      asOwner().activeLearning.startRound({ projectId }),
      "CONFLICT",
      undefined,
      /waiting for a label/,
    );
  });

  it("hands rows to two labellers at once without giving one row to both", async () => {
    const [a, b] = await Promise.all([
      asOwner().activeLearning.nextItems({ projectId, count: 3 }),
      asMember().activeLearning.nextItems({ projectId, count: 3 }),
    ]);
    const rowsA = a.items.map((i) => i.poolRow);
    const rowsB = b.items.map((i) => i.poolRow);
    expect(rowsA.length + rowsB.length).toBe(5);
    expect(rowsA.filter((r) => rowsB.includes(r))).toEqual([]);
    // A reload gives the owner the same rows back.
    const again = await asOwner().activeLearning.nextItems({ projectId, count: 3 });
    expect(again.items.map((i) => i.poolRow).sort()).toEqual(rowsA.slice().sort());
    expect(again.items[0]).toMatchObject({
      reason: expect.stringMatching(/margin/),
      prediction: { label: "shipping" },
    });
  });

  it("saves labels, refuses labels outside the set or on rows not handed out, and loses none under concurrency", async () => {
    const items = await env.db.prisma.activeLearningItem.findMany({ where: { projectId }, orderBy: { rank: "asc" } });
    const mine = items.filter((i) => i.assigneeId === w.ownerA.id);
    const theirs = items.filter((i) => i.assigneeId === w.memberA.id);
    await expectAppError(
      asOwner().activeLearning.label({ projectId, itemId: mine[0]!.id, value: "fraud" }),
      "BAD_REQUEST",
      "value",
      /billing, shipping, returns/,
    );
    await expectAppError(
      asOwner().activeLearning.label({ projectId, itemId: theirs[0]!.id, value: "billing" }),
      "CONFLICT",
      "itemId",
      /another member/,
    );
    await expectAppError(
      asViewer().activeLearning.label({ projectId, itemId: mine[0]!.id, value: "billing" }),
      "FORBIDDEN",
    );
    // Every label at once, from both members: all saved.
    await Promise.all([
      ...mine.map((i) => asOwner().activeLearning.label({ projectId, itemId: i.id, value: expert(i.text) })),
      ...theirs.map((i) => asMember().activeLearning.label({ projectId, itemId: i.id, value: expert(i.text) })),
    ]);
    const p = await asOwner().activeLearning.getProject({ projectId });
    expect(p.counts).toMatchObject({ labelled: 5, pending: 0, assigned: 0, conflict: 0 });
    expect(await env.db.prisma.activeLearningLabel.count()).toBe(5);
  });

  it("makes a conflict of two different labels, and a resolution settles it; undo takes a label back", async () => {
    const item = await env.db.prisma.activeLearningItem.findFirstOrThrow({
      where: { projectId, assigneeId: w.ownerA.id },
    });
    const second = await asMember().activeLearning.label({ projectId, itemId: item.id, value: "returns" });
    expect(second).toMatchObject({ status: "conflict", value: null });
    expect(second.labels.map((l) => l.value).sort()).toEqual([expert(item.text), "returns"].sort());
    const conflicts = await asOwner().activeLearning.listItems({ projectId, status: "conflict" });
    expect(conflicts.items.map((i) => i.id)).toEqual([item.id]);
    const resolved = await asOwner().activeLearning.resolve({ projectId, itemId: item.id, value: "returns" });
    expect(resolved).toMatchObject({ status: "labelled", value: "returns" });
    // Undo of the member's label leaves the owner's; the resolution is re-decided by the labels left.
    const undone = await asMember().activeLearning.unlabel({ projectId, itemId: item.id });
    expect(undone).toMatchObject({ status: "labelled", value: expert(item.text) });
    await expectAppError(asMember().activeLearning.unlabel({ projectId, itemId: item.id }), "BAD_REQUEST", "itemId");
  });

  it("retrains on the labels: a new dataset version, a training job with the declared labels, then an evaluation on the held-out set", async () => {
    const r = await asOwner().activeLearning.retrain({ projectId });
    expect(r).toMatchObject({ roundNumber: 1, labelCount: 5 });
    const version = await env.db.prisma.datasetVersion.findUniqueOrThrow({
      where: { id: r.datasetVersionId! },
      include: { dataset: true },
    });
    expect(version).toMatchObject({ format: "classification", rowCount: 5, dataset: { name: "tickets · labels" } });
    const job = await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: r.jobId } });
    expect(job).toMatchObject({ technique: "classification", labels: LABELS, baseModelId: w.sharedModel.id });
    expect(job.hyperparameters).toMatchObject({ testSplit: 0, maxSteps: 5 });
    // Five labels are "too few examples" for any other job: a round overrides that one blocker, on the record.
    const override = await env.db.prisma.auditLog.findFirst({
      where: { action: "job.readiness_override", targetId: r.jobId },
    });
    expect(JSON.stringify(override?.details)).toMatch(/active-learning round 1/);
    const train = trainingJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(r.jobId))!.data);
    expect(train.labels).toEqual(LABELS);
    expect(train.datasets).toEqual([expect.objectContaining({ datasetVersionId: version.id, rows: 5 })]);
    await expectAppError(asOwner().activeLearning.retrain({ projectId }), "CONFLICT", undefined, /still training/);

    // The runner trains and succeeds: the round's model is evaluated on the held-out set, with the base.
    await send(
      ev.state(r.jobId, "running"),
      ev.state(r.jobId, "succeeded", {
        artifacts: [
          {
            kind: "adapter",
            name: "adapter_model.safetensors",
            key: `jobs/${r.jobId}/artifacts/adapter/adapter_model.safetensors`,
            bytes: 10,
            sha256: "c".repeat(64),
          },
        ],
      }),
    );
    const p = await asOwner().activeLearning.getProject({ projectId });
    const evaluationId = p.rounds[0]!.evaluation!.id;
    const evaluation = await env.db.prisma.evaluation.findUniqueOrThrow({
      where: { id: evaluationId },
      include: { models: true, datasets: true },
    });
    expect(evaluation).toMatchObject({ splitKind: "all", technique: "classification" });
    expect(evaluation.datasets.map((d) => d.datasetVersionId)).toEqual([ids.heldOut]);
    expect(evaluation.models.sort((a, b) => a.position - b.position).map((m) => m.baseModelId)[0]).toBe(
      w.sharedModel.id,
    );

    // Its report gives the curve its first point (and the base's value).
    const [baseLabel, ftLabel] = evaluation.models.sort((a, b) => a.position - b.position).map((m) => m.label);
    const report = {
      reportVersion: 1,
      technique: "classification",
      base: baseLabel,
      models: [baseLabel, ftLabel],
      headline: "…",
      warnings: [],
      tasks: [
        {
          name: "tickets-held-out",
          kind: "classification",
          examples: 12,
          primaryMetric: "accuracy",
          models: { [baseLabel!]: { scores: { accuracy: 0.33 } }, [ftLabel!]: { scores: { accuracy: 0.58 } } },
        },
      ],
      comparisons: [],
    };
    const key = `evaluations/${evaluationId}/report.json`;
    const { bytes, sha256 } = await put(key, JSON.stringify(report));
    await send(
      ev.state(evaluationId, "running", { kind: "evaluate" } as Partial<RunnerEventInput>),
      ev.state(evaluationId, "succeeded", {
        kind: "evaluate",
        artifacts: [{ kind: "eval_report", name: "report.json", key, bytes, sha256 }],
      } as Partial<RunnerEventInput>),
    );
    const after = await asOwner().activeLearning.getProject({ projectId });
    expect(after.curve).toEqual({ metric: "accuracy", base: 0.33, points: [{ round: 1, labels: 5, value: 0.58 }] });
    expect(after.next).toBe("start_round");
    await expectAppError(
      asOwner().activeLearning.retrain({ projectId }),
      "PRECONDITION_FAILED",
      undefined,
      /no new labels/,
    );
  });

  it("scores round 2 with round 1's model and never picks a row again", async () => {
    const p = await asOwner().activeLearning.startRound({ projectId });
    const round2 = p.rounds[1]!;
    expect(round2).toMatchObject({ number: 2, strategy: "margin" });
    expect(round2.scoringModel.id).toBe(p.rounds[0]!.model!.id);
    const payload = await runScore(round2.id, [4, 5]);
    expect(payload.excludeRows).toEqual([3, 9, 17, 21, 30]);
    expect(payload.model.ref).toMatchObject({ source: "artifact" });
  });
});

describe("labels in and out", () => {
  it("exports every picked row as JSONL and CSV", async () => {
    const jsonl = await asOwner().activeLearning.exportLabels({ projectId, format: "jsonl" });
    const rows = jsonl.content
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { row: number; label: string | null });
    expect(rows.map((r) => r.row)).toEqual([3, 4, 5, 9, 17, 21, 30]);
    expect(rows.find((r) => r.row === 4)?.label).toBeNull();
    const csv = await asOwner().activeLearning.exportLabels({ projectId, format: "csv" });
    expect(csv.content.split("\n")[0]).toBe("row,text,label,status,round");
  });

  it("imports all lines or none, naming the bad line", async () => {
    const claimed = await asOwner().activeLearning.nextItems({ projectId, count: 5 });
    expect(claimed.items.map((i) => i.poolRow).sort()).toEqual([4, 5]);
    await expectAppError(
      asOwner().activeLearning.importLabels({
        projectId,
        format: "csv",
        content: "row,label\n4,billing\n8,shipping\n",
      }),
      "BAD_REQUEST",
      "row",
      /line 3: row 8 was not picked/,
    );
    await expectAppError(
      asOwner().activeLearning.importLabels({
        projectId,
        format: "jsonl",
        content: '{"row":4,"label":"billing"}\n{"row":5,"label":"nope"}\n',
      }),
      "BAD_REQUEST",
      "label",
      /line 2/,
    );
    expect(
      await env.db.prisma.activeLearningItem.count({
        where: { projectId, poolRow: { in: [4, 5] }, status: "labelled" },
      }),
    ).toBe(0);
    const ok = await asOwner().activeLearning.importLabels({
      projectId,
      format: "csv",
      content: 'row,label\n4,billing\n5,"returns"\n',
    });
    expect(ok.imported).toBe(2);
    const p = await asOwner().activeLearning.getProject({ projectId });
    expect(p.counts.labelled).toBe(7);
    expect(p.next).toBe("retrain");
  });
});

describe("simulations", () => {
  it("refuses a budget larger than the data and a dataset without labels", async () => {
    await expectAppError(
      asOwner().activeLearning.simulate({
        projectId,
        datasetVersionId: ids.heldOut,
        settings: { initialSize: 5, rounds: 10, batchSize: 5 },
      }),
      "BAD_REQUEST",
      "settings.rounds",
      /more than the 9 rows/,
    );
    await expectAppError(
      asOwner().activeLearning.simulate({ projectId, datasetVersionId: ids.pool }),
      "BAD_REQUEST",
      "datasetVersionId",
    );
  });

  it("queues a simulate job and stores the report's curves", async () => {
    const p = await asOwner().activeLearning.simulate({
      projectId,
      datasetVersionId: ids.heldOut,
      settings: { initialSize: 2, rounds: 2, batchSize: 2, seeds: 3 },
    });
    const simId = p.simulation!.id;
    const payload = simulationJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(simId))!.data);
    expect(payload).toMatchObject({ strategies: ["margin"], labels: LABELS, initialSize: 2, rounds: 2, seeds: 3 });
    const curve = (m: number) => ({ mean: m, std: 0.01, values: [m, m, m] });
    const report = {
      reportVersion: 1,
      learner: "logistic regression on frozen embeddings",
      metric: "accuracy",
      labels: LABELS,
      poolSize: 9,
      heldOutSize: 3,
      seeds: 3,
      curves: ["margin", "random"].map((strategy) => ({
        strategy,
        points: [2, 4, 6].map((labels) => ({ labels, accuracy: curve(labels / 10), f1Macro: curve(labels / 12) })),
      })),
      target: { accuracy: 0.6, labels: 6 },
      labelsToTarget: {
        margin: { mean: 4, std: 0, values: [4, 4, 4] },
        random: { mean: 6, std: 0, values: [6, 6, 6] },
      },
    };
    const key = `${payload.outputPrefix}simulation.json`;
    const { bytes, sha256 } = await put(key, JSON.stringify(report));
    const kind = { kind: "simulate" } as Partial<RunnerEventInput>;
    await send(
      ev.state(simId, "running", kind),
      { ...ev.metric(simId, 1, { steps_done: 3, steps_total: 18 }), kind: "simulate" } as RunnerEventInput,
      ev.state(simId, "succeeded", {
        ...kind,
        artifacts: [{ kind: "simulation_report", name: "simulation.json", key, bytes, sha256 }],
      }),
    );
    const after = await asOwner().activeLearning.getProject({ projectId });
    expect(after.simulation).toMatchObject({ state: "succeeded", progressDone: 3, progressTotal: 18 });
    expect((after.simulation!.report as typeof report).labelsToTarget.margin.mean).toBe(4);
  });

  it("fails a simulation whose report is not a report", async () => {
    const p = await asOwner().activeLearning.simulate({
      projectId,
      datasetVersionId: ids.heldOut,
      settings: { initialSize: 2, rounds: 1, batchSize: 2 },
    });
    const simId = p.simulation!.id;
    const key = `active-learning/${projectId}/${simId}/simulation.json`;
    await put(key, JSON.stringify({ reportVersion: 2 }));
    const kind = { kind: "simulate" } as Partial<RunnerEventInput>;
    await send(ev.state(simId, "running", kind), ev.state(simId, "succeeded", kind));
    const row = await env.db.prisma.activeLearningSimulation.findUniqueOrThrow({ where: { id: simId } });
    expect(row.state).toBe("failed");
    expect(row.error).toMatch(/not a version-1 report/);
  });
});

describe("the reconciler", () => {
  it("enqueues a round that never reached the queue, and hands back one whose runner went silent", async () => {
    const other = await asOwner().activeLearning.createProject({
      name: "seeded",
      task: "classification",
      labels: LABELS.map((name) => ({ name })),
      baseModelId: w.sharedModel.id,
      poolVersionId: ids.pool,
      heldOutVersionId: ids.heldOut,
      seedVersionId: ids.seed,
    });
    expect(other.next).toBe("retrain");
    const round = await env.db.prisma.activeLearningRound.create({
      data: { projectId: other.id, number: 1, scoringModelId: w.sharedModel.id, strategy: "margin", batchSize: 3 },
    });
    const first = await reconcileOnce({ prisma: env.deps.prisma, trainingQueue: env.deps.trainingQueue });
    expect(first.workEnqueued).toContain(round.id);
    expect((await env.deps.trainingQueue.getJob(round.id))?.name).toBe(JOB_KINDS.score.jobName);

    await send(ev.state(round.id, "running", { kind: "score", runner: "ghost" } as Partial<RunnerEventInput>));
    await env.db.prisma.activeLearningRound.update({
      where: { id: round.id },
      data: { startedAt: new Date(Date.now() - 120_000) },
    });
    const later = await reconcileOnce(
      { prisma: env.deps.prisma, trainingQueue: env.deps.trainingQueue },
      { runnerOfflineAfterMs: 30_000 },
    );
    expect(later.workRequeued).toContain(round.id);
    expect((await env.db.prisma.activeLearningRound.findUniqueOrThrow({ where: { id: round.id } })).state).toBe(
      "queued",
    );
  });

  it("refuses to delete a dataset a project uses", async () => {
    const pool = await env.db.prisma.datasetVersion.findUniqueOrThrow({ where: { id: ids.pool } });
    await expectAppError(
      asOwner().datasets.delete({ id: pool.datasetId }),
      "PRECONDITION_FAILED",
      undefined,
      /active-learning project/,
    );
  });
});
