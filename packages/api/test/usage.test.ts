/** GPU usage per team and month (members: own team; admin: any team), per job and per day, CSV; jobs.estimate. */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTeamUsage, spreadOverDays, usageCsv } from "../src/usage/get-team-usage";
import { seedJob, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

describe("usage", () => {
  it("totals per job and per day for the caller's own team; admins read any team; others are refused", async () => {
    const prisma = env.db.prisma;
    // A job that ran noon on the 3rd to noon on the 4th: 2 metered hours, half on each day.
    const job = await seedJob(prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.chatA.id],
      state: "succeeded",
      name: '=cmd, "quoted"',
    });
    await prisma.fineTuneJob.update({
      where: { id: job.id },
      data: { startedAt: new Date("2030-03-03T12:00:00Z"), finishedAt: new Date("2030-03-04T12:00:00Z") },
    });
    await prisma.usageRecord.create({
      data: { teamId: w.teamA.id, jobId: job.id, month: "2030-03", gpuSeconds: 7200 },
    });
    await prisma.fineTuneJob.update({
      where: { id: w.doneJobA.id },
      data: { startedAt: new Date("2030-03-04T10:00:00Z"), finishedAt: new Date("2030-03-04T10:30:00Z") },
    });
    await prisma.usageRecord.create({
      data: { teamId: w.teamA.id, jobId: w.doneJobA.id, month: "2030-03", gpuSeconds: 1800 },
    });
    await prisma.usageRecord.create({
      data: { teamId: w.teamA.id, jobId: w.doneJobA.id, month: "2030-02", gpuSeconds: 999 },
    });

    const mine = await env.as(w.viewerA, w.teamA.slug).usage.get({ month: "2030-03" });
    expect(mine.totalGpuSeconds).toBe(9000);
    expect(mine.totalGpuHours).toBe(2.5);
    expect(mine.jobs.map((j) => [j.jobId, j.gpuSeconds])).toEqual([
      [job.id, 7200],
      [w.doneJobA.id, 1800],
    ]);
    const byDay = Object.fromEntries(mine.days.map((d) => [d.date, d.gpuSeconds]));
    expect(byDay["2030-03-03"]).toBeCloseTo(3600);
    expect(byDay["2030-03-04"]).toBeCloseTo(3600 + 1800);
    expect(mine.days.reduce((s, d) => s + d.gpuSeconds, 0)).toBeCloseTo(9000);

    // Team B sees its own (empty) usage; only an admin reads team A's by id.
    const theirs = await env.as(w.ownerB, w.teamB.slug).usage.get({ month: "2030-03" });
    expect(theirs).toMatchObject({ team: { id: w.teamB.id }, totalGpuSeconds: 0, jobs: [] });
    expect((await env.as(w.admin).admin.teamUsage({ teamId: w.teamA.id, month: "2030-03" })).totalGpuSeconds).toBe(
      9000,
    );
    const err = await env
      .as(w.ownerB, w.teamB.slug)
      .admin.teamUsage({ teamId: w.teamA.id })
      .then(
        () => null,
        (e: unknown) => e as TRPCError,
      );
    expect(err?.code).toBe("FORBIDDEN");
    const bad = await env
      .as(w.viewerA, w.teamA.slug)
      .usage.get({ month: "2030-13" })
      .then(
        () => null,
        (e: unknown) => e as TRPCError,
      );
    expect(bad?.code).toBe("BAD_REQUEST");

    const csv = usageCsv(await getTeamUsage(prisma, w.teamA.id, "2030-03"));
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toBe("team,month,job_id,job_name,state,started_at,finished_at,gpu_seconds,gpu_hours");
    expect(lines[1]).toContain(`"'=cmd, ""quoted"""`);
    expect(lines.at(-1)).toMatch(/,TOTAL,,,,9000\.0,2\.5000$/);
  });

  it("spreads seconds over days in proportion to the hours run", () => {
    const m = new Map<string, number>();
    spreadOverDays(100, new Date("2030-01-01T18:00:00Z"), new Date("2030-01-03T00:00:00Z"), m);
    expect(m.get("2030-01-01")).toBeCloseTo(20);
    expect(m.get("2030-01-02")).toBeCloseTo(80);
  });
});

describe("jobs.estimate", () => {
  it("returns the estimate with its assumptions, and whether the largest runner fits it", async () => {
    await env.db.prisma.runner.create({ data: { name: `est-${Date.now()}`, vramMb: 24576, state: "idle" } });
    const caller = env.as(w.memberA, w.teamA.slug);
    const spec = {
      baseModelId: w.sharedModel.id,
      technique: "sft" as const,
      datasets: [{ datasetVersionId: w.chatA.id }],
    };
    const e = await caller.jobs.estimate(spec);
    expect(e.estimated).toBe(true);
    expect(e.model.preset).toBe("qwen2.5-0.5b");
    expect(e.datasetTokens).toBe(Math.round(64 * 10 * 0.9));
    expect(e.requiredVramMb).toBeGreaterThan(1024);
    expect(e.largestRunner).toMatchObject({ vramMb: 24576, fits: true });
    expect(e.assumptions.join("\n")).toMatch(/validation split/);
    expect(e.assumptions.join("\n")).toMatch(/AdamW/);

    const big = await env.db.prisma.baseModel.create({
      data: {
        teamId: w.teamA.id,
        name: "in-house-70b",
        source: "local",
        ref: "/models/x",
        parameterCount: 70_000_000_000n,
      },
    });
    const full = await caller.jobs.estimate({ ...spec, baseModelId: big.id, method: "full" });
    expect(full.model.preset).toBeNull();
    expect(full.largestRunner?.fits).toBe(false);

    const unknown = await env.db.prisma.baseModel.create({
      data: { teamId: w.teamA.id, name: "mystery", source: "local", ref: "/models/m" },
    });
    const none = await caller.jobs.estimate({ ...spec, baseModelId: unknown.id });
    expect(none).toMatchObject({ estimated: false, requiredVramMb: 0, vramBytes: null });
    await env.db.prisma.runner.deleteMany({});
  });
});
