/**
 * Augmentations through the router against real PostgreSQL, Redis and storage: a clear error for a format a method
 * cannot augment and for a deleted version; the queued `augment` job and its payload; the runner's success (events
 * applied as the worker applies them, the new rows written to storage as the runner writes them) becoming a version
 * whose new rows carry provenance, without near duplicates of existing rows; "did it help?" starting two jobs with
 * the same settings and seed.
 */
import { createHash } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { augmentationJobPayloadSchema, type RunnerEventInput } from "@whetstone/queue";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { sendEvents } from "./augmentation-helpers";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { ev } from "./runner-fixtures";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);

async function* chunks(...bufs: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* bufs;
}

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

const send = (...events: RunnerEventInput[]) => sendEvents(env, ...events);

const words = (
  "refund shipping password invoice warranty delivery account billing return order parcel courier address label " +
  "tracking payment receipt discount coupon voucher subscription renewal cancel upgrade plan device screen battery"
).split(" ");
let seed = 3;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const say = (n: number) => Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(" ");
const sourceRows = Array.from({ length: 40 }, (_, i) => ({ text: say(12), label: ["billing", "shipping"][i % 2]! }));

async function upload(name: string, rows: object[]) {
  return ingestDataset(env.deps, {
    teamId: w.teamA.id,
    userId: w.ownerA.id,
    datasetName: name,
    filename: `${name}.jsonl`,
    body: chunks(Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n"))),
  });
}

describe("augmentations", () => {
  it("refuses a format the method cannot augment, and a deleted version, each with a clear error", async () => {
    const chat = await upload("chat-aug", [
      {
        messages: [
          { role: "user", content: "hi there" },
          { role: "assistant", content: "hello" },
        ],
      },
    ]);
    const e = await expectAppError(
      asOwnerA().augmentations.create({ id: chat.id, method: "perturb", targetRows: 10 }),
      "BAD_REQUEST",
      "method",
    );
    expect(e.message).toMatch(/"chat" data, which method "perturb" cannot augment \(it augments classification\)/);
    await expectAppError(
      asOwnerA().augmentations.create({ id: chat.id, method: "generate", targetRows: 10 }),
      "BAD_REQUEST",
      "generatorModelId",
    );
    await asOwnerA().datasets.delete({ id: chat.datasetId });
    const gone = await expectAppError(
      asOwnerA().augmentations.create({ id: chat.id, method: "generate", targetRows: 10, generatorModelId: "x" }),
      "NOT_FOUND",
    );
    expect(gone.message).toMatch(/may have been deleted/);
  });

  it("queues an augment job, and its success becomes a version whose new rows carry provenance", async () => {
    const src = await upload("tickets", sourceRows);
    const a = await asOwnerA().augmentations.create({ id: src.id, method: "perturb", targetRows: 3, perRow: 1 });
    expect(a.state).toBe("queued");
    const job = await env.deps.trainingQueue.getJob(a.id);
    const payload = augmentationJobPayloadSchema.parse(job!.data);
    expect(payload).toMatchObject({ kind: "augment", method: "perturb", source: { datasetVersionId: src.id } });

    // What the runner writes: two new rows and one that is a near copy of source line 1.
    const made = [
      { text: say(12), label: "billing", augmentation: { sourceLine: 3, method: "word_swap", model: null } },
      { text: say(12), label: "shipping", augmentation: { sourceLine: 4, method: "word_dropout", model: null } },
      { ...sourceRows[0]!, augmentation: { sourceLine: 1, method: "word_swap", model: null } },
    ];
    const bytes = Buffer.from(made.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const key = `${payload.outputPrefix}augmented.jsonl`;
    await env.deps.storage.put(key, chunks(bytes));
    const artifact = {
      kind: "augmented_rows" as const,
      name: "augmented.jsonl",
      key,
      bytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
    await send(
      ev.state(a.id, "running", { kind: "augment" } as Partial<RunnerEventInput>),
      { ...ev.metric(a.id, 3, { rows_done: 3, rows_total: 3 }), kind: "augment" } as RunnerEventInput,
      ev.state(a.id, "succeeded", {
        kind: "augment",
        artifacts: [artifact],
        summary: { rows_made: 3 },
      } as Partial<RunnerEventInput>),
    );
    const got = await asOwnerA().augmentations.get({ id: a.id });
    expect(got).toMatchObject({ state: "succeeded", rowsDone: 3 });
    expect(got.resultVersionId).toBeTruthy();
    const v = await asOwnerA().datasets.getVersion({ id: got.resultVersionId! });
    expect(v.parentVersionId).toBe(src.id);
    expect(v.rowCount).toBe(42);
    expect(v.derivation).toMatchObject({
      kind: "augmented",
      augmentationId: a.id,
      rowsBefore: 40,
      rowsAfter: 42,
      added: { word_swap: 1, word_dropout: 1 },
      droppedNearDuplicates: 1,
    });
    const row = await env.db.prisma.datasetVersion.findUniqueOrThrow({ where: { id: v.id } });
    const text = (
      await (async () => {
        const parts: Buffer[] = [];
        for await (const c of await env.deps.storage.get(row.blobKey)) parts.push(c as Buffer);
        return Buffer.concat(parts).toString("utf8");
      })()
    )
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(text.slice(0, 40).map((r) => r.text)).toEqual(sourceRows.map((r) => r.text)); // the source first, in order
    expect(text.slice(40).every((r) => typeof r.augmentation === "object")).toBe(true);

    // Did it help? Two jobs, the same settings and seed, without and with the new rows.
    const cmp = await asOwnerA().augmentations.compare({
      id: a.id,
      baseModelId: w.sharedModel.id,
      technique: "classification",
      hyperparameters: { epochs: 1, maxSteps: 5, seed: 7 },
    });
    const jobs = await env.db.prisma.fineTuneJob.findMany({
      where: { id: { in: [cmp.withoutJobId, cmp.withJobId] } },
      include: { datasets: true },
    });
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(byId.get(cmp.withoutJobId)!.datasets[0]!.datasetVersionId).toBe(src.id);
    expect(byId.get(cmp.withJobId)!.datasets[0]!.datasetVersionId).toBe(v.id);
    expect(byId.get(cmp.withoutJobId)!.hyperparameters).toEqual(byId.get(cmp.withJobId)!.hyperparameters);
    expect(byId.get(cmp.withJobId)!.seed).toBe(7);
    const after = await asOwnerA().augmentations.get({ id: a.id });
    expect(after.comparison?.map((c) => c.arm)).toEqual(["without", "with"]);
    await expectAppError(
      asOwnerA().augmentations.compare({ id: a.id, baseModelId: w.sharedModel.id, technique: "classification" }),
      "CONFLICT",
    );
  });
});
