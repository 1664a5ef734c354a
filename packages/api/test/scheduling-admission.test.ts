/** Quota admission against real PostgreSQL and Redis: atomic under concurrency, promotion, refusals. */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promotePendingJobs, sweepScheduling } from "../src/scheduling/promote-pending-jobs";
import { usageMonth } from "../src/scheduling/quota";
import { seedBaseModel, seedDatasetVersion, seedTeam, seedUser } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

async function seedSubmitter() {
  const prisma = env.db.prisma;
  const owner = await seedUser(prisma);
  const team = await seedTeam(prisma, { members: [{ userId: owner.id, role: "owner" }] });
  const dv = await seedDatasetVersion(prisma, { teamId: team.id, format: "chat" });
  const model = await seedBaseModel(prisma, { teamId: team.id, name: "Qwen2.5-0.5B", ref: "Qwen/Qwen2.5-0.5B" });
  const caller = env.as(owner, team.slug);
  const spec = (extra: Record<string, unknown> = {}) => ({
    baseModelId: model.id,
    technique: "sft" as const,
    datasets: [{ datasetVersionId: dv.id }],
    hyperparameters: { maxSteps: 5 },
    ...extra,
  });
  return { owner, team, dv, model, caller, spec };
}

async function failure(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the call to fail").toBeInstanceOf(TRPCError);
  return err as TRPCError;
}

describe("admission", () => {
  it("admits exactly 2 of 50 parallel submissions against a quota of 2; the rest wait with the reason", async () => {
    const prisma = env.db.prisma;
    const s = await seedSubmitter();
    await prisma.teamQuota.create({ data: { teamId: s.team.id, maxConcurrentGpus: 2 } });

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => s.caller.jobs.create(s.spec({ name: `job ${i}` }))),
    );
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected.map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const jobs = results.map(
      (r) => (r as PromiseFulfilledResult<{ id: string; state: string; pendingReason: string | null }>).value,
    );

    expect(jobs.filter((j) => j.state === "queued")).toHaveLength(2);
    const pending = jobs.filter((j) => j.state === "pending_quota");
    expect(pending).toHaveLength(48);
    for (const j of pending) expect(j.pendingReason).toBe("team quota: 2 of 2 concurrent GPUs in use");
    // The database agrees, and only the admitted jobs reached the queue.
    expect(await prisma.fineTuneJob.count({ where: { teamId: s.team.id, state: "queued" } })).toBe(2);
    expect(
      await prisma.fineTuneJob.count({ where: { teamId: s.team.id, state: "pending_quota", enqueuedAt: null } }),
    ).toBe(48);
    const inQueue = await env.deps.trainingQueue.getJobs(["prioritized", "waiting"], 0, -1);
    expect(inQueue.map((j) => j.id).sort()).toEqual(
      jobs
        .filter((j) => j.state === "queued")
        .map((j) => j.id)
        .sort(),
    );

    // One admitted job finishes (the worker applies the final state, then calls promotePendingJobs).
    const done = jobs.find((j) => j.state === "queued")!;
    await prisma.fineTuneJob.update({ where: { id: done.id }, data: { state: "succeeded", finishedAt: new Date() } });
    const oldestPending = await prisma.fineTuneJob.findFirstOrThrow({
      where: { teamId: s.team.id, state: "pending_quota" },
      orderBy: [{ priority: "desc" }, { createdAt: "asc" }, { id: "asc" }],
    });
    const [a, b] = await Promise.all([
      promotePendingJobs(env.deps, s.team.id),
      promotePendingJobs(env.deps, s.team.id),
    ]);
    expect([...a!, ...b!]).toEqual([oldestPending.id]);
    const promoted = await prisma.fineTuneJob.findUniqueOrThrow({
      where: { id: oldestPending.id },
      include: { events: true },
    });
    expect(promoted.state).toBe("queued");
    expect(promoted.pendingReason).toBeNull();
    expect(promoted.enqueuedAt).not.toBeNull();
    expect(promoted.events.map((e) => e.message)).toContain("queued: team quota has room again");
    expect(await env.deps.trainingQueue.getJob(oldestPending.id)).toBeDefined();
    expect(await prisma.fineTuneJob.count({ where: { teamId: s.team.id, state: "queued" } })).toBe(2);
    expect(await prisma.fineTuneJob.count({ where: { teamId: s.team.id, state: "pending_quota" } })).toBe(47);

    // Nothing frees: the sweep promotes nothing. Raising the quota: the sweep starts exactly the difference.
    expect((await sweepScheduling(env.deps)).promoted).toEqual([]);
    await prisma.teamQuota.update({ where: { teamId: s.team.id }, data: { maxConcurrentGpus: 5 } });
    expect((await sweepScheduling(env.deps)).promoted).toHaveLength(3);
    expect(await prisma.fineTuneJob.count({ where: { teamId: s.team.id, state: "queued" } })).toBe(5);
  });

  it("starts a team's higher-priority pending job first", async () => {
    const prisma = env.db.prisma;
    const s = await seedSubmitter();
    await prisma.teamQuota.create({ data: { teamId: s.team.id, maxConcurrentGpus: 1 } });
    const first = await s.caller.jobs.create(s.spec());
    const low = await s.caller.jobs.create(s.spec({ priority: 1 }));
    const high = await s.caller.jobs.create(s.spec({ priority: 9 }));
    expect([first.state, low.state, high.state]).toEqual(["queued", "pending_quota", "pending_quota"]);
    expect(high.pendingReason).toBe("team quota: 1 of 1 concurrent GPU in use");
    await prisma.fineTuneJob.update({ where: { id: first.id }, data: { state: "failed", finishedAt: new Date() } });
    expect(await promotePendingJobs(env.deps, s.team.id)).toEqual([high.id]);
  });

  it("after a quota is raised, the jobs still waiting show the new numbers", async () => {
    const prisma = env.db.prisma;
    const s = await seedSubmitter();
    await prisma.teamQuota.create({ data: { teamId: s.team.id, maxConcurrentGpus: 1 } });
    await s.caller.jobs.create(s.spec());
    const second = await s.caller.jobs.create(s.spec());
    const third = await s.caller.jobs.create(s.spec());
    expect(third.pendingReason).toBe("team quota: 1 of 1 concurrent GPU in use");
    await prisma.teamQuota.update({ where: { teamId: s.team.id }, data: { maxConcurrentGpus: 2 } });
    expect(await promotePendingJobs(env.deps, s.team.id)).toEqual([second.id]);
    const still = await prisma.fineTuneJob.findUniqueOrThrow({ where: { id: third.id } });
    expect(still.state).toBe("pending_quota");
    expect(still.pendingReason).toBe("team quota: 2 of 2 concurrent GPUs in use");
  });

  it("cancelling a queued job that no runner took starts the next pending job at once", async () => {
    const prisma = env.db.prisma;
    const s = await seedSubmitter();
    await prisma.teamQuota.create({ data: { teamId: s.team.id, maxConcurrentGpus: 1 } });
    const first = await s.caller.jobs.create(s.spec());
    const waiting = await s.caller.jobs.create(s.spec());
    expect([first.state, waiting.state]).toEqual(["queued", "pending_quota"]);
    await s.caller.jobs.cancel({ id: first.id });
    const after = await prisma.fineTuneJob.findUniqueOrThrow({ where: { id: waiting.id } });
    expect(after.state).toBe("queued");
    expect(after.pendingReason).toBeNull();
    expect(await env.deps.trainingQueue.getJob(waiting.id)).toBeTruthy();
  });

  it("refuses a submission when the month's GPU-hours are spent, with the numbers, and audits it", async () => {
    const prisma = env.db.prisma;
    const s = await seedSubmitter();
    await prisma.teamQuota.create({ data: { teamId: s.team.id, monthlyGpuHours: 12 } });
    const month = usageMonth(new Date());
    const old = await s.caller.jobs.create(s.spec());
    await prisma.usageRecord.create({ data: { teamId: s.team.id, jobId: old.id, month, gpuSeconds: 11 * 3600 } });
    // 11 of 12 hours: still admitted.
    expect((await s.caller.jobs.create(s.spec())).state).toBe("queued");
    await prisma.usageRecord.update({
      where: { jobId_month: { jobId: old.id, month } },
      data: { gpuSeconds: 12 * 3600 },
    });

    const before = await prisma.fineTuneJob.count({ where: { teamId: s.team.id } });
    const err = await failure(s.caller.jobs.create(s.spec()));
    expect(err.code).toBe("TOO_MANY_REQUESTS");
    expect(err.message).toBe(`team quota: 12.0 of 12 GPU-hours used in ${month}`);
    expect(await prisma.fineTuneJob.count({ where: { teamId: s.team.id } })).toBe(before);
    const audit = await prisma.auditLog.findMany({ where: { teamId: s.team.id, action: "quota.refused" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorUserId).toBe(s.owner.id);
    expect(audit[0]!.details).toMatchObject({ usedHours: 12, limitHours: 12, month });
  });

  it("refuses a job whose GPU memory fits no registered runner, naming the largest one", async () => {
    const prisma = env.db.prisma;
    const s = await seedSubmitter();
    const big = await seedBaseModel(prisma, {
      teamId: s.team.id,
      name: "llama-2-70b",
      ref: "meta-llama/Llama-2-70b-hf",
    });
    const fullFt = s.spec({ baseModelId: big.id, method: "full" });

    // No GPU runner registered (fresh install, CPU runners): nothing to compare with, the job is accepted.
    expect((await s.caller.jobs.create(fullFt)).state).toBe("queued");

    await prisma.runner.createMany({
      data: [
        {
          name: "gpu-host-1",
          gpuName: "NVIDIA H100 80GB HBM3",
          vramMb: 81920,
          state: "idle",
          lastHeartbeatAt: new Date(),
        },
        { name: "gpu-host-2", gpuName: "NVIDIA A10", vramMb: 24576, state: "busy", lastHeartbeatAt: new Date() },
        // Offline and disabled runners do not count, however large.
        { name: "gpu-host-gone", gpuName: "NVIDIA H200", vramMb: 143_771, state: "offline" },
        { name: "gpu-host-off", gpuName: "NVIDIA H200", vramMb: 143_771, state: "disabled" },
      ],
    });
    const err = await failure(s.caller.jobs.create(fullFt));
    expect(err.code).toBe("PRECONDITION_FAILED");
    expect(err.message).toMatch(/^needs \d+(\.\d)? GB of GPU memory; the largest runner, gpu-host-1, has 80 GB$/);
    // A LoRA job of the small model fits and records what it needs.
    const small = await s.caller.jobs.create(s.spec());
    const row = await prisma.fineTuneJob.findUniqueOrThrow({ where: { id: small.id } });
    expect(row.requiredVramMb).toBeGreaterThan(1024);
    expect(row.requiredVramMb).toBeLessThan(81920);
    await prisma.runner.deleteMany({});
  });
});
