/**
 * An augmentation's life against real PostgreSQL, Redis and storage:
 * - it reaches a final state by itself: the reconciler enqueues one whose enqueue was lost, gives one whose BullMQ
 *   job Redis lost a fresh one, hands back one whose runner went silent, and fails one whose payload can never be
 *   built (with the reason);
 * - cancel: at once when no runner holds it, on the runner's word when one does; no version, no files; team-scoped;
 * - its version exists as soon as its success is applied, once, whatever the duplicates.
 */
import { createHash, randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelKey, JOB_KINDS, type RunnerEventInput } from "@whetstone/queue";
import { buildOpenApiDocument } from "../src/openapi";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { seedApiKey } from "./fixtures";
import { serveRest } from "./rest-client";
import { ev } from "./runner-fixtures";
import { sendEvents } from "./augmentation-helpers";

let env: TestEnv;
let w: World;
let sourceId: string;
const made: string[] = [];
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  const rows = Array.from({ length: 30 }, (_, i) => ({
    text: `ticket ${i} about ${["refunds", "parcels", "invoices"][i % 3]} number ${i * 7}`,
    label: ["billing", "shipping"][i % 2],
  }));
  const v = await ingestDataset(env.deps, {
    teamId: w.teamA.id,
    userId: w.ownerA.id,
    datasetName: "lifecycle",
    filename: "lifecycle.jsonl",
    body: (async function* () {
      yield Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n"));
    })(),
  });
  sourceId = v.id;
});
afterAll(async () => {
  if (made.length) await env.deps.redis.del(...made.map((id) => cancelKey(id)));
  await env?.close();
});

const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);
const reconcile = () =>
  reconcileOnce({ prisma: env.deps.prisma, trainingQueue: env.deps.trainingQueue }, { runnerOfflineAfterMs: 30_000 });
const row = (id: string) => env.db.prisma.augmentation.findUniqueOrThrow({ where: { id } });

async function augmentation() {
  const a = await asOwnerA().augmentations.create({ id: sourceId, method: "perturb", targetRows: 4 });
  made.push(a.id);
  return a;
}

describe("the reconciler and augmentations", () => {
  it("enqueues an augmentation whose enqueue was lost, and re-adds one whose BullMQ job Redis lost", async () => {
    const lost = await augmentation();
    await env.deps.trainingQueue.remove(lost.id);
    await env.db.prisma.augmentation.update({ where: { id: lost.id }, data: { enqueuedAt: null } });
    const first = await reconcile();
    expect(first.workEnqueued).toContain(lost.id);
    expect((await env.deps.trainingQueue.getJob(lost.id))?.name).toBe(JOB_KINDS.augment.jobName);
    expect((await row(lost.id)).enqueuedAt).not.toBeNull();

    // Redis flushed: the row says enqueued, BullMQ has nothing.
    await env.deps.trainingQueue.remove(lost.id);
    const second = await reconcile();
    expect(second.workReEnqueued).toContain(lost.id);
    expect(await env.deps.trainingQueue.getJobState(lost.id)).toBe("waiting");
  });

  it("hands back an augmentation whose runner went silent", async () => {
    const a = await augmentation();
    await sendEvents(env, ev.state(a.id, "running", { kind: "augment", runner: "ghost" } as Partial<RunnerEventInput>));
    expect(await row(a.id)).toMatchObject({ state: "running", runnerName: "ghost", lastRunnerName: "ghost" });
    await env.db.prisma.augmentation.update({
      where: { id: a.id },
      data: { startedAt: new Date(Date.now() - 120_000) },
    });
    const report = await reconcile();
    expect(report.workRequeued).toContain(a.id);
    expect(await row(a.id)).toMatchObject({ state: "queued", runnerName: null, handBacks: 1 });
    expect(await env.deps.trainingQueue.getJobState(a.id)).toBe("waiting");
  });

  it("fails an augmentation whose runner went silent for the third time, with the reason", async () => {
    const a = await augmentation();
    for (const [n, runner] of ["ghost-1", "ghost-2", "ghost-3"].entries()) {
      await sendEvents(env, ev.state(a.id, "running", { kind: "augment", runner } as Partial<RunnerEventInput>));
      await env.db.prisma.augmentation.update({
        where: { id: a.id },
        data: { startedAt: new Date(Date.now() - 120_000) },
      });
      const report = await reconcile();
      if (n < 2) {
        expect(report.workRequeued).toContain(a.id);
        expect(await row(a.id)).toMatchObject({ state: "queued", handBacks: n + 1 });
      } else {
        expect(report.workFailed).toContain(a.id);
        expect(report.workRequeued).not.toContain(a.id);
      }
    }
    const r = await row(a.id);
    expect(r.state).toBe("failed");
    expect(r.error).toMatch(
      /^its runner went silent 3 times \(runner ghost-3 stopped sending heartbeats.*\); not retried again$/,
    );
    expect(await env.deps.trainingQueue.getJob(a.id)).toBeUndefined();
  });

  it("fails an augmentation whose payload can never be built, with the reason", async () => {
    const a = await augmentation();
    await env.deps.trainingQueue.remove(a.id);
    // Its generator model is gone (deleted while Redis had lost the job).
    await env.db.prisma.augmentation.update({
      where: { id: a.id },
      data: { enqueuedAt: null, method: "generate", settings: { targetRows: 4, generatorModelId: "gone" } },
    });
    const report = await reconcile();
    expect(report.workFailed).toContain(a.id);
    const r = await row(a.id);
    expect(r.state).toBe("failed");
    expect(r.error).toMatch(/generator model was deleted/);
    expect(await env.deps.trainingQueue.getJob(a.id)).toBeUndefined();
  });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e instanceof TRPCError ? e.code : String(e)),
  );
}

const chunks = async function* (b: Buffer) {
  yield b;
};

/** What the runner writes: new rows under the augmentation's prefix, and the artifact its success names. */
async function writeRows(id: string, texts: string[]) {
  const bytes = Buffer.from(
    texts
      .map((text, i) =>
        JSON.stringify({
          text,
          label: "billing",
          augmentation: { sourceLine: i + 1, method: "word_swap", model: null },
        }),
      )
      .join("\n") + "\n",
  );
  const key = `augmentations/${id}/augmented.jsonl`;
  await env.deps.storage.put(key, chunks(bytes));
  return {
    kind: "augmented_rows" as const,
    name: "augmented.jsonl",
    key,
    bytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

const kind = (extra: Record<string, unknown> = {}) => ({ kind: "augment", ...extra }) as Partial<RunnerEventInput>;
const datasetBlobs = async () => (await env.deps.storage.list("datasets/")).length;

describe("cancelling an augmentation", () => {
  it("cancels one no runner holds at once: no BullMQ job, no files; other teams get 404; a second cancel 412", async () => {
    const a = await augmentation();
    await writeRows(a.id, ["left from an earlier attempt"]);
    expect(await codeOf(env.as(w.ownerB, w.teamB.slug).augmentations.cancel({ id: a.id }))).toBe("NOT_FOUND");
    expect((await row(a.id)).state).toBe("queued");

    const c = await asOwnerA().augmentations.cancel({ id: a.id });
    expect(c).toMatchObject({ id: a.id, state: "cancelled" });
    expect(c.finishedAt).not.toBeNull();
    expect(await env.deps.trainingQueue.getJob(a.id)).toBeUndefined();
    expect(await env.deps.storage.list(`augmentations/${a.id}/`)).toEqual([]);
    expect(await codeOf(asOwnerA().augmentations.cancel({ id: a.id }))).toBe("PRECONDITION_FAILED");

    // Over REST, in the one error shape: 412 for the finished one, 404 for another team's key.
    const post = (key: string) =>
      serveRest(
        new Request(`http://localhost/api/v1/augmentations/${a.id}/cancel`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}` },
        }),
        env.deps,
      );
    const done = await post(w.apiKeyA.key);
    expect(done.status).toBe(412);
    expect(JSON.stringify(await done.json())).toContain("only unfinished work can be cancelled");
    const keyB = await seedApiKey(env.db.prisma, { teamId: w.teamB.id, userId: w.ownerB.id, role: "owner" });
    const other = await post(keyB.key);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({
      error: { code: "NOT_FOUND", message: `augmentation "${a.id}" not found`, details: {} },
    });
  });

  it("cancels a running one when its runner says so: no version, the rows it wrote deleted, a late success ignored", async () => {
    const a = await augmentation();
    await sendEvents(env, ev.state(a.id, "running", kind({ runner: "r1" })));
    const c = await asOwnerA().augmentations.cancel({ id: a.id });
    expect(c.state).toBe("running"); // the runner confirms
    expect(await env.deps.redis.get(cancelKey(a.id))).toBe("1");

    const artifact = await writeRows(a.id, ["a row written just before the stop"]);
    const before = await datasetBlobs();
    await sendEvents(
      env,
      ev.state(a.id, "cancelled", kind({ runner: "r1" })),
      ev.state(a.id, "succeeded", kind({ runner: "r1", artifacts: [artifact] })),
    );
    const r = await row(a.id);
    expect(r).toMatchObject({ state: "cancelled", resultVersionId: null });
    expect(await env.deps.storage.list(`augmentations/${a.id}/`)).toEqual([]);
    expect(await env.db.prisma.datasetVersion.count({ where: { parentVersionId: sourceId } })).toBe(0);
    expect(await datasetBlobs()).toBe(before);
  });

  it("is in the OpenAPI document as POST /augmentations/{id}/cancel, with the error responses", () => {
    const doc = buildOpenApiDocument("http://localhost/api/v1") as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    const op = doc.paths["/augmentations/{id}/cancel"]?.post;
    expect(op).toBeDefined();
    expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining(["200", "401", "403", "404", "default"]));
  });
});

describe("the augmented version", () => {
  it("exists as soon as the success is applied, once, whatever the duplicates", async () => {
    const a = await augmentation();
    const artifact = await writeRows(a.id, ["a brand new sentence about warranty claims", "another about couriers"]);
    const before = await datasetBlobs();
    const success = ev.state(
      a.id,
      "succeeded",
      kind({ runner: "r2", artifacts: [artifact], summary: { rows_made: 2 } }),
    );
    const [, applied] = await sendEvents(env, ev.state(a.id, "running", kind({ runner: "r2" })), success);
    expect(applied?.outcome).toBe("applied");
    // No read of the augmentation in between: the row and the version were written together.
    const r = await row(a.id);
    expect(r.state).toBe("succeeded");
    const v = await env.db.prisma.datasetVersion.findUniqueOrThrow({ where: { id: r.resultVersionId! } });
    expect(v).toMatchObject({ parentVersionId: sourceId, rowCount: 32 });
    expect(v.derivation).toMatchObject({ kind: "augmented", augmentationId: a.id, added: { word_swap: 2 } });
    const list = await asOwnerA().augmentations.list({ id: sourceId });
    expect(list.find((x) => x.id === a.id)?.resultVersionId).toBe(v.id);

    // The same event again (a redelivery), and another success event for it (a runner's retry): nothing new.
    const again = await sendEvents(env, success, { ...success, eventId: randomUUID() });
    expect(again[0]).toBeNull();
    expect(again[1]?.outcome).toBe("ignored");
    expect(await env.db.prisma.datasetVersion.count({ where: { parentVersionId: sourceId } })).toBe(1);
    expect(await datasetBlobs()).toBe(before + 2); // the version's file and its duplicate sketch, no more
  });

  it("fails the augmentation, with the reason and no version, when its rows are not in storage", async () => {
    const a = await augmentation();
    const artifact = await writeRows(a.id, ["some text"]);
    await env.deps.storage.delete(artifact.key);
    await sendEvents(
      env,
      ev.state(a.id, "running", kind({ runner: "r3" })),
      ev.state(a.id, "succeeded", kind({ runner: "r3", artifacts: [artifact] })),
    );
    const r = await row(a.id);
    expect(r).toMatchObject({ state: "failed", resultVersionId: null });
    expect(r.error).toMatch(/augmented rows .* are not in storage/);
  });
});
