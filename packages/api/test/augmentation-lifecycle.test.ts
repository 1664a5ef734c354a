/**
 * An augmentation reaches a final state by itself, against real PostgreSQL, Redis and storage: the reconciler enqueues
 * one whose enqueue was lost, gives one whose BullMQ job Redis lost a fresh one, hands back one whose runner went
 * silent, and fails one whose payload can never be built (with the reason).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cancelKey, JOB_KINDS, type RunnerEventInput } from "@whetstone/queue";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
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
    expect(await row(a.id)).toMatchObject({ state: "queued", runnerName: null });
    expect(await env.deps.trainingQueue.getJobState(a.id)).toBe("waiting");
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
