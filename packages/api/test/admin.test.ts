/**
 * The admin procedures: refused to non-admins over tRPC and REST; runners drained/disabled/enabled through the
 * Redis control key with an audit row; quotas set (audited, waiting jobs started); audit log filters and pages.
 */
import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { runnerControlKey } from "@whetstone/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../src/root";
import { seedApiKey, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { serveRest } from "./rest-client";

let env: TestEnv;
let w: World;
const runnerName = `gpu-host-test-${randomBytes(4).toString("hex")}`;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  await env.db.prisma.runner.create({
    data: {
      name: runnerName,
      gpuName: "NVIDIA H100 80GB HBM3",
      vramMb: 81559,
      cudaVersion: "12.4",
      state: "busy",
      currentJobId: w.runningJobA.id,
      lastHeartbeatAt: new Date(Date.now() - 4000),
      jobsDone: 7,
      gpuSeconds: 5400,
    },
  });
});
afterAll(async () => {
  await env?.deps.redis.del(runnerControlKey(runnerName));
  await env?.close();
});

// Every admin procedure with a valid input (so a refusal can only come from the role check).
const ADMIN_CALLS: Record<
  string,
  { input: (w: World) => unknown; rest: (w: World) => [method: string, path: string, body?: unknown] }
> = {
  listRunners: { input: () => undefined, rest: () => ["GET", "/admin/runners"] },
  drainRunner: { input: () => ({ name: runnerName }), rest: () => ["POST", `/admin/runners/${runnerName}/drain`, {}] },
  disableRunner: {
    input: () => ({ name: runnerName }),
    rest: () => ["POST", `/admin/runners/${runnerName}/disable`, {}],
  },
  enableRunner: {
    input: () => ({ name: runnerName }),
    rest: () => ["POST", `/admin/runners/${runnerName}/enable`, {}],
  },
  listQuotas: { input: () => undefined, rest: () => ["GET", "/admin/quotas"] },
  setQuota: {
    input: (w) => ({ teamId: w.teamA.id, maxConcurrentGpus: 0, monthlyGpuHours: 0 }),
    rest: (w) => ["PUT", `/admin/teams/${w.teamA.id}/quota`, { maxConcurrentGpus: 0, monthlyGpuHours: 0 }],
  },
  teamUsage: { input: (w) => ({ teamId: w.teamA.id }), rest: (w) => ["GET", `/admin/teams/${w.teamA.id}/usage`] },
  auditLog: { input: () => ({}), rest: () => ["GET", "/admin/audit-log"] },
  generatorEndpoint: { input: () => undefined, rest: () => ["GET", "/admin/generator-endpoint"] },
  setGeneratorEndpoint: {
    input: () => ({ baseUrl: "http://127.0.0.1:9/v1", model: "m", apiKey: "sk-walk" }),
    rest: () => [
      "PUT",
      "/admin/generator-endpoint",
      { baseUrl: "http://127.0.0.1:9/v1", model: "m", apiKey: "sk-walk" },
    ],
  },
  clearGeneratorEndpoint: { input: () => undefined, rest: () => ["POST", "/admin/generator-endpoint/clear", {}] },
};

function rest(method: string, path: string, key: string, body?: unknown) {
  const headers = new Headers({ authorization: `Bearer ${key}` });
  if (body !== undefined) headers.set("content-type", "application/json");
  const req = new Request(`http://localhost/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return serveRest(req, env.deps);
}

describe("admin procedures refuse non-admins", () => {
  it("lists every admin procedure in this test", () => {
    const admin = Object.keys(appRouter._def.procedures as object).filter((p) => p.startsWith("admin."));
    expect(admin.sort()).toEqual(
      Object.keys(ADMIN_CALLS)
        .map((k) => `admin.${k}`)
        .sort(),
    );
  });

  it("over tRPC: FORBIDDEN for a team owner's session and a non-admin API key, changing nothing", async () => {
    const ownerKey = await seedApiKey(env.db.prisma, { teamId: w.teamA.id, userId: w.ownerA.id, role: "owner" });
    const { authenticateApiKey } = await import("../src/auth/authenticate-api-key");
    const callers = [
      env.as(w.ownerA, w.teamA.slug),
      env.asCaller(await authenticateApiKey(env.db.prisma, ownerKey.key)),
    ];
    for (const caller of callers) {
      for (const [name, c] of Object.entries(ADMIN_CALLS)) {
        const fn = (caller.admin as unknown as Record<string, (i: unknown) => Promise<unknown>>)[name]!;
        const err = await fn(c.input(w)).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, name).toBeInstanceOf(TRPCError);
        expect((err as TRPCError).code, name).toBe("FORBIDDEN");
      }
    }
    expect(await env.db.prisma.teamQuota.count()).toBe(0);
    expect(await env.db.prisma.generatorEndpoint.count()).toBe(0);
    expect(await env.deps.redis.exists(runnerControlKey(runnerName))).toBe(0);
  });

  it("over REST: 403 with a non-admin API key, 401 without one; an admin key gets through", async () => {
    const ownerKey = await seedApiKey(env.db.prisma, { teamId: w.teamA.id, userId: w.ownerA.id, role: "owner" });
    // An admin key claims isAdmin but its creator is no admin: still refused.
    const fakeAdminKey = await seedApiKey(env.db.prisma, {
      teamId: w.teamA.id,
      userId: w.ownerA.id,
      role: "owner",
      isAdmin: true,
    });
    for (const [name, c] of Object.entries(ADMIN_CALLS)) {
      const [method, path, body] = c.rest(w);
      expect((await rest(method, path, ownerKey.key, body)).status, `${name} non-admin key`).toBe(403);
      expect((await rest(method, path, fakeAdminKey.key, body)).status, `${name} admin key of a non-admin`).toBe(403);
    }
    const anon = await serveRest(new Request("http://localhost/api/v1/admin/runners"), env.deps);
    expect(anon.status).toBe(401);

    await env.db.prisma.membership.create({ data: { userId: w.admin.id, teamId: w.teamB.id, role: "owner" } });
    const adminKey = await seedApiKey(env.db.prisma, {
      teamId: w.teamB.id,
      userId: w.admin.id,
      role: "owner",
      isAdmin: true,
    });
    const ok = await rest("GET", "/admin/runners", adminKey.key);
    expect(ok.status).toBe(200);
    const runners = (await ok.json()) as { name: string }[];
    expect(runners.map((r) => r.name)).toContain(runnerName);
  });
});

describe("runners", () => {
  it("lists runners with GPU, state, current job, heartbeat age, jobs done and GPU-hours", async () => {
    const runners = await env.as(w.admin).admin.listRunners();
    const r = runners.find((x) => x.name === runnerName)!;
    expect(r).toMatchObject({
      gpuName: "NVIDIA H100 80GB HBM3",
      vramMb: 81559,
      cudaVersion: "12.4",
      state: "busy",
      jobsDone: 7,
      gpuHours: 1.5,
    });
    expect(r.currentJob).toMatchObject({ id: w.runningJobA.id, teamId: w.teamA.id, teamName: "Team A" });
    expect(r.heartbeatAgeSeconds).toBeGreaterThanOrEqual(4);
    expect(r.heartbeatAgeSeconds).toBeLessThan(60);
  });

  it("shows a runner silent for over 30 s as offline even before the worker records it", async () => {
    const name = `silent-${Date.now()}`;
    await env.db.prisma.runner.create({
      data: { name, state: "idle", lastHeartbeatAt: new Date(Date.now() - 45_000) },
    });
    const r = (await env.as(w.admin).admin.listRunners()).find((x) => x.name === name)!;
    expect(r.state).toBe("offline");
    expect(r.heartbeatAgeSeconds).toBeGreaterThan(30);
    await env.db.prisma.runner.delete({ where: { name } });
  });

  it("drain, disable and enable set the runner's control key, its state and an audit row", async () => {
    const admin = env.as(w.admin);
    const key = runnerControlKey(runnerName);

    expect(await admin.admin.drainRunner({ name: runnerName })).toEqual({
      name: runnerName,
      state: "draining",
      control: "drain",
    });
    expect(await env.deps.redis.get(key)).toBe("drain");
    await admin.admin.disableRunner({ name: runnerName });
    expect(await env.deps.redis.get(key)).toBe("disable");
    expect((await env.db.prisma.runner.findUniqueOrThrow({ where: { name: runnerName } })).state).toBe("disabled");
    expect(await admin.admin.enableRunner({ name: runnerName })).toEqual({
      name: runnerName,
      state: "busy",
      control: null,
    });
    expect(await env.deps.redis.exists(key)).toBe(0);

    const rows = await env.db.prisma.auditLog.findMany({
      where: { targetType: "runner", targetId: runnerName },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.map((r) => r.action)).toEqual(["runner.drained", "runner.disabled", "runner.enabled"]);
    expect(rows.every((r) => r.actorUserId === w.admin.id)).toBe(true);
    expect(rows[0]!.details).toMatchObject({ fromState: "busy", toState: "draining" });

    const err = await admin.admin.drainRunner({ name: "no-such-runner" }).then(
      () => null,
      (e: unknown) => e as TRPCError,
    );
    expect(err?.code).toBe("NOT_FOUND");
    expect(await env.deps.redis.exists(runnerControlKey("no-such-runner"))).toBe(0);
  });
});

describe("quotas", () => {
  it("sets a team's quota (audited), shows use, and a raised quota starts waiting jobs", async () => {
    const prisma = env.db.prisma;
    const admin = env.as(w.admin);
    const caller = env.as(w.ownerA, w.teamA.slug);
    const spec = {
      baseModelId: w.sharedModel.id,
      technique: "sft" as const,
      datasets: [{ datasetVersionId: w.chatA.id }],
    };

    // Team A has one running job: a quota of 1 is full.
    await admin.admin.setQuota({ teamId: w.teamA.id, maxConcurrentGpus: 1, monthlyGpuHours: 100 });
    const waiting = await caller.jobs.create(spec);
    expect(waiting.state).toBe("pending_quota");
    expect(waiting.pendingReason).toBe("team quota: 1 of 1 concurrent GPU in use");

    const list = await admin.admin.listQuotas();
    expect(list.teams.find((t) => t.teamId === w.teamA.id)).toMatchObject({
      maxConcurrentGpus: 1,
      monthlyGpuHours: 100,
      admitted: 1,
      running: 1,
      pending: 1,
    });
    expect(list.teams.find((t) => t.teamId === w.teamB.id)).toMatchObject({
      maxConcurrentGpus: null,
      monthlyGpuHours: null,
    });

    const raised = await admin.admin.setQuota({ teamId: w.teamA.id, maxConcurrentGpus: 2, monthlyGpuHours: null });
    expect(raised.promotedJobIds).toEqual([waiting.id]);
    expect((await prisma.fineTuneJob.findUniqueOrThrow({ where: { id: waiting.id } })).state).toBe("queued");

    const audit = await prisma.auditLog.findMany({
      where: { action: "quota.set", teamId: w.teamA.id },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => a.details)).toEqual([
      {
        before: { maxConcurrentGpus: null, monthlyGpuHours: null },
        after: { maxConcurrentGpus: 1, monthlyGpuHours: 100 },
      },
      {
        before: { maxConcurrentGpus: 1, monthlyGpuHours: 100 },
        after: { maxConcurrentGpus: 2, monthlyGpuHours: null },
      },
    ]);

    const bad = await admin.admin.setQuota({ teamId: w.teamA.id, maxConcurrentGpus: -1, monthlyGpuHours: null }).then(
      () => null,
      (e: unknown) => e as TRPCError,
    );
    expect(bad?.code).toBe("BAD_REQUEST");
    const missing = await admin.admin.setQuota({ teamId: "nope", maxConcurrentGpus: 1, monthlyGpuHours: null }).then(
      () => null,
      (e: unknown) => e as TRPCError,
    );
    expect(missing?.code).toBe("NOT_FOUND");
    await admin.admin.setQuota({ teamId: w.teamA.id, maxConcurrentGpus: null, monthlyGpuHours: null });
  });
});

describe("audit log", () => {
  it("filters by action (exact or prefix), team and date range, newest first, in pages", async () => {
    const prisma = env.db.prisma;
    const base = new Date("2030-01-10T00:00:00Z");
    await prisma.auditLog.createMany({
      data: Array.from({ length: 7 }, (_, i) => ({
        action: i % 2 ? "quota.refused" : "quota.set",
        teamId: i < 5 ? w.teamB.id : w.teamA.id,
        actorUserId: w.admin.id,
        createdAt: new Date(base.getTime() + i * 3600_000),
      })),
    });
    const admin = env.as(w.admin).admin;
    const range = { from: base.toISOString(), to: new Date(base.getTime() + 24 * 3600_000).toISOString() };
    const teamB = await admin.auditLog({ ...range, teamId: w.teamB.id, limit: 2 });
    expect(teamB.items).toHaveLength(2);
    expect(teamB.items[0]!.createdAt.getTime()).toBeGreaterThan(teamB.items[1]!.createdAt.getTime());
    expect(teamB.items[0]).toMatchObject({ actorEmail: w.admin.email, teamName: "Team B" });
    const seen = [...teamB.items];
    let cursor = teamB.nextCursor;
    while (cursor) {
      const page = await admin.auditLog({ ...range, teamId: w.teamB.id, limit: 2, cursor });
      seen.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((s) => s.id)).size).toBe(5);

    expect((await admin.auditLog({ ...range, action: "quota.refused" })).items).toHaveLength(3);
    expect((await admin.auditLog({ ...range, action: "quota." })).items).toHaveLength(7);
    const from = new Date(base.getTime() + 5 * 3600_000).toISOString();
    expect((await admin.auditLog({ from, to: range.to })).items).toHaveLength(2);
  });
});
