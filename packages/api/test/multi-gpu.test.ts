/**
 * Jobs of several GPUs (docs/decisions/0014-multi-gpu-jobs.md) against real PostgreSQL and Redis: a job asking for
 * more GPUs than any runner has is refused naming the numbers, one that a runner can hold is queued with its
 * `distributed` payload (FSDP when the model does not fit one GPU); quotas count GPUs, and metering counts
 * GPU-seconds × the job's GPUs.
 */
import { TRPCError } from "@trpc/server";
import { runnerEventSchema, trainingJobPayloadSchema, type RunnerEventInput } from "@whetstone/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyRunnerEvent } from "../src/runner-events/apply-runner-event";
import { promotePendingJobs } from "../src/scheduling/promote-pending-jobs";
import { seedBaseModel, seedDatasetVersion, seedTeam, seedUser, seedWorld } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { serveRest } from "./rest-client";
import { ev } from "./runner-fixtures";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

async function setup(modelName = "Qwen2.5-0.5B", ref = "Qwen/Qwen2.5-0.5B") {
  const prisma = env.db.prisma;
  const owner = await seedUser(prisma);
  const team = await seedTeam(prisma, { members: [{ userId: owner.id, role: "owner" }] });
  const dv = await seedDatasetVersion(prisma, { teamId: team.id, format: "chat" });
  const model = await seedBaseModel(prisma, { teamId: team.id, name: modelName, ref });
  const caller = env.as(owner, team.slug);
  const spec = (extra: Record<string, unknown> = {}, hp: Record<string, unknown> = {}) => ({
    baseModelId: model.id,
    technique: "sft" as const,
    datasets: [{ datasetVersionId: dv.id }],
    hyperparameters: { batchSize: 4, maxSteps: 5, ...hp },
    ...extra,
  });
  return { prisma, team, caller, spec };
}

/** A runner as its heartbeat registers it (the worker's events consumer applies the event). */
async function heartbeat(runner: string, gpuCount: number, ts: Date, currentJobId: string | null = null) {
  const e = runnerEventSchema.parse({
    ...ev.heartbeat(runner, ts, currentJobId),
    gpuCount,
    gpusFree: currentJobId ? 0 : gpuCount,
  } as RunnerEventInput);
  await env.db.prisma.$transaction((tx) => applyRunnerEvent(tx, e, { maxMeteredGapMs: 10_000 }));
}

async function failure(p: Promise<unknown>): Promise<TRPCError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, "expected the call to fail").toBeInstanceOf(TRPCError);
  return err as TRPCError;
}

const payloadOf = async (jobId: string) =>
  trainingJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(jobId))!.data);

describe("placement", () => {
  it("a 2-GPU job is refused while only a 1-GPU runner is registered, and taken once a 2-GPU runner is", async () => {
    const s = await setup();
    await s.prisma.runner.deleteMany({});
    await heartbeat("one-gpu", 1, new Date());

    const refused = await failure(s.caller.jobs.create(s.spec({ gpuCount: 2 })));
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toBe("gpuCount 2: no runner has 2 GPUs; the runner with the most, one-gpu, has 1");
    expect(await s.prisma.fineTuneJob.count({ where: { teamId: s.team.id } })).toBe(0); // nothing half-written

    await heartbeat("two-gpus", 2, new Date());
    expect(await s.prisma.runner.findUniqueOrThrow({ where: { name: "two-gpus" } })).toMatchObject({
      gpuCount: 2,
      gpusFree: 2,
    });
    const job = await s.caller.jobs.create(s.spec({ gpuCount: 2 }));
    expect(job.state).toBe("queued");
    expect(await s.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({
      gpuCount: 2,
      parallelism: "ddp",
    });
    const payload = await payloadOf(job.id);
    expect(payload.distributed).toEqual({ processes: 2, strategy: "ddp" });
    expect(payload.hyperparameters.batchSize).toBe(4); // the global batch: 2 per GPU

    // One GPU is still the default, and its payload says so.
    const single = await s.caller.jobs.create(s.spec());
    expect((await payloadOf(single.id)).distributed).toEqual({ processes: 1, strategy: "ddp" });
  });

  it("a model too big for one GPU is sharded (FSDP) and checked per GPU", async () => {
    // Llama 3 8B, full fine-tuning: far more than one 80 GB GPU holds.
    const s = await setup("Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B");
    await s.prisma.runner.deleteMany({});
    await s.prisma.runner.create({
      data: { name: "gpu-x8", vramMb: 80 * 1024, gpuCount: 8, gpusFree: 8, state: "idle", lastHeartbeatAt: new Date() },
    });
    const one = await failure(s.caller.jobs.create(s.spec({ method: "full" }, { maxSeqLength: 512 })));
    expect(one.message).toMatch(/^needs .* GB of GPU memory; the largest runner, gpu-x8, has 80 GB$/);

    const job = await s.caller.jobs.create(s.spec({ method: "full", gpuCount: 4 }, { maxSeqLength: 512 }));
    const row = await s.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ gpuCount: 4, parallelism: "fsdp" });
    expect(row.requiredVramMb).toBeGreaterThan(0);
    expect(row.requiredVramMb).toBeLessThanOrEqual(80 * 1024); // per GPU: what each of the runner's GPUs must hold
    expect((await payloadOf(job.id)).distributed).toEqual({ processes: 4, strategy: "fsdp" });

    // The job form's estimate says the same before the job is created.
    const est = await s.caller.jobs.estimate(s.spec({ method: "full", gpuCount: 4 }, { maxSeqLength: 512 }));
    expect(est.gpus).toMatchObject({ count: 4, parallelism: "fsdp" });
    expect(est.requiredVramMb).toBe(row.requiredVramMb);
    expect(est.largestRunner).toMatchObject({ name: "gpu-x8", fits: true });
  });

  it("a batch that does not split over the GPUs is refused naming the field", async () => {
    const s = await setup();
    const err = await failure(s.caller.jobs.create(s.spec({ gpuCount: 4 }, { batchSize: 6 })));
    expect(err.code).toBe("BAD_REQUEST");
    expect(err.message).toContain("batchSize 6 does not split over 4 GPUs");
  });
});

describe("quotas and usage count every GPU", () => {
  it("a team's concurrent-GPU quota counts a job's GPUs; a job wider than the quota waits for an admin and holds nobody back", async () => {
    const s = await setup();
    await s.prisma.runner.deleteMany({});
    await s.prisma.teamQuota.create({ data: { teamId: s.team.id, maxConcurrentGpus: 3 } });

    const first = await s.caller.jobs.create(s.spec({ gpuCount: 2 }));
    expect(first.state).toBe("queued");
    const second = await s.caller.jobs.create(s.spec({ gpuCount: 2 }));
    expect(second).toMatchObject({
      state: "pending_quota",
      pendingReason: "team quota: 2 of 3 concurrent GPUs in use",
    });
    const small = await s.caller.jobs.create(s.spec());
    expect(small.state).toBe("queued"); // 1 more GPU fits: 3 of 3

    const wide = await s.caller.jobs.create(s.spec({ gpuCount: 4 }));
    expect(wide).toMatchObject({
      state: "pending_quota",
      pendingReason:
        "team quota: 3 of 3 concurrent GPUs in use; this job needs 4 GPUs at once, so it starts when an instance " +
        "admin raises the quota to 4 or more",
    });

    // The waiting 2-GPU job starts only when 2 GPUs are free: not when the 1-GPU job ends, when the first one does.
    const finish = (id: string) =>
      s.prisma.fineTuneJob.update({ where: { id }, data: { state: "succeeded", finishedAt: new Date() } });
    await finish(small.id);
    expect(await promotePendingJobs(env.deps, s.team.id)).toEqual([]);
    expect(await s.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: second.id } })).toMatchObject({
      state: "pending_quota",
      pendingReason: "team quota: 2 of 3 concurrent GPUs in use",
    });
    await finish(first.id);
    // The 4-GPU job waits on, wider than the quota, until an admin raises it.
    expect(await promotePendingJobs(env.deps, s.team.id)).toEqual([second.id]);
    expect(await s.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: wide.id } })).toMatchObject({
      state: "pending_quota",
      pendingReason:
        "team quota: 2 of 3 concurrent GPUs in use; this job needs 4 GPUs at once, so it starts when an instance " +
        "admin raises the quota to 4 or more",
    });
    await s.prisma.teamQuota.update({ where: { teamId: s.team.id }, data: { maxConcurrentGpus: 8 } });
    expect(await promotePendingJobs(env.deps, s.team.id)).toEqual([wide.id]);
  });

  it("metering charges wall-clock seconds × the job's GPUs, to the job's team and the runner", async () => {
    const s = await setup();
    await s.prisma.runner.deleteMany({});
    await heartbeat("gpu-pair", 2, new Date());
    const job = await s.caller.jobs.create(s.spec({ gpuCount: 2 }));
    await s.prisma.fineTuneJob.update({ where: { id: job.id }, data: { state: "running", runnerName: "gpu-pair" } });

    const t = (sec: number) => new Date(Date.UTC(2030, 4, 10, 12, 0, 0) + sec * 1000);
    await s.prisma.runner.update({ where: { name: "gpu-pair" }, data: { lastHeartbeatAt: null } });
    await heartbeat("gpu-pair", 2, t(0), job.id);
    await heartbeat("gpu-pair", 2, t(5), job.id);
    await heartbeat("gpu-pair", 2, t(10), job.id);

    const usage = await s.prisma.usageRecord.findMany({ where: { jobId: job.id } });
    expect(usage.map((u) => [u.teamId, u.month, u.gpuSeconds])).toEqual([[s.team.id, "2030-05", 20]]);
    expect((await s.prisma.runner.findUniqueOrThrow({ where: { name: "gpu-pair" } })).gpuSeconds).toBeCloseTo(20);
    const month = await s.caller.usage.get({ month: "2030-05" });
    expect(month.totalGpuSeconds).toBe(20);
  });
});

describe("REST", () => {
  it("POST /api/v1/jobs takes gpuCount; GET /jobs/{id} shows it; a 412 names the field", async () => {
    const w = await seedWorld(env.db.prisma);
    await env.db.prisma.runner.deleteMany({});
    await heartbeat("lone-gpu", 1, new Date());
    const rest = (path: string, init: RequestInit = {}) =>
      serveRest(
        new Request(`http://localhost/api/v1${path}`, {
          ...init,
          headers: { authorization: `Bearer ${w.apiKeyA.key}`, "content-type": "application/json" },
        }),
        env.deps,
      );
    const body = (gpuCount: number) =>
      JSON.stringify({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id }],
        hyperparameters: { maxSteps: 5, batchSize: 4 },
        gpuCount,
      });
    const refused = await rest("/jobs", { method: "POST", body: body(2) });
    expect(refused.status).toBe(412);
    expect(await refused.text()).toContain("gpuCount");

    await heartbeat("twin-gpus", 2, new Date());
    const created = await rest("/jobs", { method: "POST", body: body(2) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const job = (await (await rest(`/jobs/${id}`)).json()) as { gpuCount: number; parallelism: string };
    expect(job).toMatchObject({ gpuCount: 2, parallelism: "ddp" });
  });
});
