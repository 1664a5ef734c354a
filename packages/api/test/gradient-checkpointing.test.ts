/**
 * Gradient checkpointing as a job option, against real PostgreSQL and Redis: "auto" is resolved when the job is
 * created, from the estimator's memory fit on the largest runner, and the runner's payload carries the boolean;
 * the job form's estimate shows the trade-off; an explicit choice is kept, and refused when it cannot fit.
 */
import { TRPCError } from "@trpc/server";
import { trainingJobPayloadSchema } from "@whetstone/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedBaseModel, seedDatasetVersion, seedTeam, seedUser } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

const GIB = 1024 ** 3;

async function setup() {
  const prisma = env.db.prisma;
  const owner = await seedUser(prisma);
  const team = await seedTeam(prisma, { members: [{ userId: owner.id, role: "owner" }] });
  const dv = await seedDatasetVersion(prisma, { teamId: team.id, format: "chat" });
  // Llama 3 8B, LoRA, batch 4 × 1024 tokens: ~67 GiB with the margin without checkpointing, ~27 GiB with it.
  const model = await seedBaseModel(prisma, {
    teamId: team.id,
    name: "Meta-Llama-3-8B",
    ref: "meta-llama/Meta-Llama-3-8B",
  });
  const caller = env.as(owner, team.slug);
  const spec = (hp: Record<string, unknown> = {}) => ({
    baseModelId: model.id,
    technique: "sft" as const,
    datasets: [{ datasetVersionId: dv.id }],
    hyperparameters: { batchSize: 4, maxSeqLength: 1024, maxSteps: 5, ...hp },
  });
  return { prisma, team, owner, model, dv, caller, spec };
}

async function runnerOf(vramMb: number) {
  await env.db.prisma.runner.deleteMany({});
  await env.db.prisma.runner.create({
    data: { name: `gpu-${vramMb}`, gpuName: "NVIDIA test", vramMb, state: "idle", lastHeartbeatAt: new Date() },
  });
}

async function payloadOf(jobId: string) {
  return trainingJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(jobId))!.data);
}

describe("gradient checkpointing", () => {
  it('"auto" resolves to off when the job fits the largest runner without it, to on when it fits only with it', async () => {
    const s = await setup();

    await runnerOf(80 * 1024);
    const est80 = await s.caller.jobs.estimate(s.spec());
    expect(est80.gradientCheckpointing).toBe(false);
    expect(est80.checkpointing).toMatchObject({ auto: true, fitsWithout: true, gpuMemoryBytes: 80 * GIB });
    expect(est80.checkpointing!.savedBytes).toBeGreaterThan(20 * GIB);
    expect(est80.checkpointing!.slowdown).toBeGreaterThan(0.3);
    const fast = await s.caller.jobs.create(s.spec());
    expect(fast.state).toBe("queued");
    expect((await payloadOf(fast.id)).hyperparameters.gradientCheckpointing).toBe(false);
    const fastRow = await s.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: fast.id } });
    expect(fastRow.hyperparameters).toMatchObject({ gradientCheckpointing: false });

    await runnerOf(40 * 1024);
    const est40 = await s.caller.jobs.estimate(s.spec());
    expect(est40.gradientCheckpointing).toBe(true);
    expect(est40.checkpointing).toMatchObject({ auto: true, fitsWithout: false, fitsWith: true });
    // The memory and time shown are those of the job as it will run: less memory, longer.
    expect(est40.requiredVramMb).toBeLessThan(40 * 1024);
    expect(est40.requiredVramMb).toBeLessThan(est80.requiredVramMb);
    expect(est40.durationSeconds!).toBeGreaterThan(est80.durationSeconds!);
    const small = await s.caller.jobs.create(s.spec());
    expect((await payloadOf(small.id)).hyperparameters.gradientCheckpointing).toBe(true);
    const smallRow = await s.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: small.id } });
    expect(smallRow.requiredVramMb).toBe(est40.requiredVramMb);
  });

  it("keeps an explicit choice, and refuses checkpointing off where only on fits", async () => {
    const s = await setup();
    await runnerOf(80 * 1024);
    const on = await s.caller.jobs.create(s.spec({ gradientCheckpointing: true }));
    expect((await payloadOf(on.id)).hyperparameters.gradientCheckpointing).toBe(true);

    await runnerOf(40 * 1024);
    const err = await s.caller.jobs.create(s.spec({ gradientCheckpointing: false })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe("PRECONDITION_FAILED");
    expect((err as TRPCError).message).toMatch(
      /^needs \d+(\.\d)? GB of GPU memory; the largest runner, gpu-40960, has 40 GB$/,
    );
  });

  it('"auto" without an estimate (a model of unknown size) runs as before: off for LoRA', async () => {
    const s = await setup();
    await env.db.prisma.runner.deleteMany({});
    const unknown = await seedBaseModel(s.prisma, { teamId: s.team.id, name: "house-model", ref: "acme/house-model" });
    await s.prisma.baseModel.update({ where: { id: unknown.id }, data: { parameterCount: null } });
    const spec = { ...s.spec(), baseModelId: unknown.id };
    const est = await s.caller.jobs.estimate(spec);
    expect(est).toMatchObject({ estimated: false, gradientCheckpointing: null, checkpointing: null });
    const job = await s.caller.jobs.create(spec);
    expect((await payloadOf(job.id)).hyperparameters.gradientCheckpointing).toBe(false);
  });
});
