/**
 * Fair scheduling through the real queue: one simulated runner takes jobs from this test's BullMQ queue the way
 * gpu-runner does (a BullMQ worker, lowest priority number first).
 */
import { randomBytes } from "node:crypto";
import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fairOrder } from "../src/scheduling/fair-order";
import { rebalanceQueue } from "../src/scheduling/rebalance-queue";
import { seedBaseModel, seedDatasetVersion, seedTeam, seedUser } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
let runner: Worker;
let runnerRedis: Redis;
beforeAll(async () => {
  env = await createTestEnv();
  runnerRedis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: null });
  // No processor: jobs are taken by hand with getNextJob, one per turn.
  runner = new Worker(env.queueName, null, { connection: runnerRedis, prefix: env.prefix, autorun: false });
});
afterAll(async () => {
  await runner?.close();
  runnerRedis?.disconnect();
  await env?.close();
});

async function seedTeamWithModel(name: string) {
  const prisma = env.db.prisma;
  const owner = await seedUser(prisma);
  const team = await seedTeam(prisma, { name, members: [{ userId: owner.id, role: "owner" }] });
  const dv = await seedDatasetVersion(prisma, { teamId: team.id });
  const model = await seedBaseModel(prisma, { teamId: team.id, name: "Qwen2.5-0.5B" });
  const caller = env.as(owner, team.slug);
  const create = (priority = 5) =>
    caller.jobs.create({
      baseModelId: model.id,
      technique: "sft",
      datasets: [{ datasetVersionId: dv.id }],
      hyperparameters: { maxSteps: 5 },
      priority,
    });
  return { team, create };
}

/** One turn of the runner: take the next job, report it done. */
async function takeNext(): Promise<string | null> {
  const token = randomBytes(8).toString("hex");
  const job = (await runner.getNextJob(token, { block: false })) as Job | undefined;
  if (!job) return null;
  await job.moveToCompleted("done", token, false);
  await env.db.prisma.fineTuneJob.update({
    where: { id: job.id! },
    data: { state: "succeeded", finishedAt: new Date() },
  });
  return job.id!;
}

describe("fair scheduling", () => {
  it("goes round the teams: a team with 2 waiting jobs is not starved by one with 20; priority orders a team's own jobs", async () => {
    const busy = await seedTeamWithModel("Busy");
    const small = await seedTeamWithModel("Small");
    const busyJobs: string[] = [];
    for (let i = 0; i < 19; i++) busyJobs.push((await busy.create()).id);
    const smallJobs = [(await small.create()).id, (await small.create()).id];
    // Submitted last, but the most urgent of its team.
    const urgent = (await busy.create(9)).id;
    busyJobs.push(urgent);

    const taken: string[] = [];
    for (let turn = 0; turn < 22; turn++) {
      const id = await takeNext();
      if (id) taken.push(id);
    }
    expect(taken).toHaveLength(22);
    const team = (id: string) => (smallJobs.includes(id) ? "small" : "busy");
    // Round 1: each team's first job, the team with fewer waiting first (the small team, then the busy team's
    // urgent one); round 2: the small team's second, then the busy team's oldest. Naive FIFO: turns 20-21.
    expect(taken.slice(0, 4)).toEqual([smallJobs[0], urgent, smallJobs[1], busyJobs[0]]);
    // Both of the small team's jobs start within the first three scheduling turns.
    expect(taken.slice(0, 3).filter((id) => team(id) === "small")).toHaveLength(2);
    // Then the rest of the busy team, oldest first.
    expect(taken.slice(4)).toEqual(busyJobs.slice(1, 19));
  });

  it("rebalances when a new team arrives behind a long queue", async () => {
    const a = await seedTeamWithModel("Early");
    const aJobs: string[] = [];
    for (let i = 0; i < 5; i++) aJobs.push((await a.create()).id);
    const b = await seedTeamWithModel("Late");
    const bJob = (await b.create()).id;
    const report = await rebalanceQueue(env.deps);
    // The late team has one job waiting against the early team's five: it goes first in round 1.
    expect(report.order.slice(0, 2)).toEqual([bJob, aJobs[0]]);
    expect(report.changed).toBe(0); // already in order after each create
    expect(await takeNext()).toBe(bJob);
    expect(await takeNext()).toBe(aJobs[0]);
    while (await takeNext());
  });
});

describe("fairOrder", () => {
  const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);
  it("puts a team with GPUs already running behind teams with none", () => {
    const jobs = [
      { id: "a1", teamId: "A", priority: 5, createdAt: t(1) },
      { id: "a2", teamId: "A", priority: 5, createdAt: t(2) },
      { id: "b1", teamId: "B", priority: 5, createdAt: t(3) },
      { id: "b2", teamId: "B", priority: 5, createdAt: t(4) },
    ];
    expect(fairOrder(jobs).map((j) => j.id)).toEqual(["a1", "b1", "a2", "b2"]);
    expect(fairOrder(jobs, new Map([["A", 2]])).map((j) => j.id)).toEqual(["b1", "b2", "a1", "a2"]);
  });
});
