/** The REST API generated from the procedures, served the way apps/web serves it (fetch handler at /api/v1). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../src/openapi";
import { appRouter } from "../src/root";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { serveRest } from "./rest-client";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

function rest(path: string, init: RequestInit & { key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  if (init.body) headers.set("content-type", "application/json");
  const req = new Request(`http://localhost/api/v1${path}`, { ...init, headers });
  return serveRest(req, env.deps);
}

describe("REST", () => {
  it("documents every procedure with bearer security", () => {
    const doc = buildOpenApiDocument("http://localhost/api/v1");
    expect(doc.info).toMatchObject({ title: "Whetstone API" });
    expect(doc.components?.securitySchemes).toHaveProperty("bearerAuth");
    const ops = Object.values(doc.paths ?? {}).flatMap((p) => Object.values(p as object));
    const procedures = Object.keys(appRouter._def.procedures as object);
    expect(ops).toHaveLength(procedures.length);
    expect(doc.paths?.["/jobs/{id}/cancel"]).toHaveProperty("post");
    for (const op of ops as { responses?: Record<string, { content?: unknown }> }[]) {
      expect((op.responses?.["200"] ?? op.responses?.["201"])?.content, "output schema").toBeDefined();
    }
  });

  it("lists jobs with an API key, and refuses without one or with a revoked one", async () => {
    const ok = await rest("/jobs?limit=5", { key: w.apiKeyA.key });
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { items: { id: string; createdAt: string }[] };
    expect(body.items.map((j) => j.id)).toEqual(expect.arrayContaining([w.runningJobA.id, w.doneJobA.id]));
    expect(typeof body.items[0]?.createdAt).toBe("string");

    expect((await rest("/jobs")).status).toBe(401);
    expect((await rest("/jobs", { key: `wst_${"x".repeat(40)}` })).status).toBe(401);
    await env.db.prisma.apiKey.update({ where: { id: w.apiKeyA.id }, data: { revokedAt: new Date() } });
    expect((await rest("/jobs", { key: w.apiKeyA.key })).status).toBe(401);
    await env.db.prisma.apiKey.update({ where: { id: w.apiKeyA.id }, data: { revokedAt: null } });
  });

  it("maps application errors to HTTP statuses with the field", async () => {
    const notFound = await rest("/jobs/nope", { key: w.apiKeyA.key });
    expect(notFound.status).toBe(404);
    const bad = await rest("/jobs", {
      key: w.apiKeyA.key,
      method: "POST",
      body: JSON.stringify({
        baseModelId: w.sharedModel.id,
        technique: "classification",
        datasets: [{ datasetVersionId: w.chatA.id }],
      }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("datasets.0.datasetVersionId");
    // An operation documented without a body takes a POST without one (no content type either).
    const done = await rest(`/jobs/${w.doneJobA.id}/cancel`, { key: w.apiKeyA.key, method: "POST" });
    expect(done.status).toBe(412);
  });

  it("creates a job over REST and returns bytes as numbers", async () => {
    const r = await rest("/jobs", {
      key: w.apiKeyA.key,
      method: "POST",
      body: JSON.stringify({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id }],
        hyperparameters: { maxSteps: 5 },
      }),
    });
    expect(r.status).toBe(201);
    const job = (await r.json()) as { id: string; state: string };
    expect(job.state).toBe("queued");
    expect(await env.deps.trainingQueue.getJob(job.id)).toBeDefined();
    const arts = await rest(`/jobs/${w.doneJobA.id}/artifacts`, { key: w.apiKeyA.key });
    expect(((await arts.json()) as { bytes: unknown }[])[0]?.bytes).toBe(52000);
  });
});
