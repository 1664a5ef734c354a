/**
 * The admin-configured OpenAI-compatible endpoint for generated augmentation rows, against real PostgreSQL and Redis:
 * instance admins only; the key encrypted at rest, never returned (only its last 4 characters) nor audited; the
 * augmentation form's availability; and the augment job's payload carrying what the runner needs.
 */
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { augmentationJobPayloadSchema } from "@whetstone/queue";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { decryptWebhookSecret } from "../src/webhooks/webhook-secret";
import { seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

const SECRET_KEY = "k".repeat(40);
const API_KEY = "sk-live-abcdefgh1234";
let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

const asAdmin = () => env.as(w.admin);
const asOwnerA = () => env.as(w.ownerA, w.teamA.slug);

async function failure(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TRPCError);
  return e as TRPCError & { cause?: { details?: Record<string, unknown> } };
}

describe("the generator endpoint", () => {
  it("is offered only once an admin configured it; until then generate-with-endpoint says who must act", async () => {
    expect(await asOwnerA().augmentations.generatorAvailability()).toEqual({ configured: false, model: null });
    const e = await failure(
      asOwnerA().augmentations.create({ id: w.chatA.id, method: "generate", targetRows: 5, generatorEndpoint: true }),
    );
    expect(e.code).toBe("BAD_REQUEST");
    expect(e.cause?.details?.field).toBe("generatorEndpoint");
    expect(e.message).toMatch(/an instance admin must configure one in the admin console/);
  });

  it("is configured by instance admins only, with a clear error for a bad URL and without WEBHOOK_SECRET_KEY", async () => {
    const input = { baseUrl: "http://127.0.0.1:8099/v1/", model: "gpt-stand-in", apiKey: API_KEY };
    expect((await failure(asOwnerA().admin.setGeneratorEndpoint(input))).code).toBe("FORBIDDEN");
    const noKey = await failure(asAdmin().admin.setGeneratorEndpoint(input));
    expect(noKey.code).toBe("PRECONDITION_FAILED");
    expect(noKey.cause?.details?.field).toBe("WEBHOOK_SECRET_KEY");
    env.deps.config.webhookSecretKey = SECRET_KEY;
    const bad = await failure(asAdmin().admin.setGeneratorEndpoint({ ...input, baseUrl: "ftp://x" }));
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.message).toContain("baseUrl: an http:// or https:// URL");
    const withCredentials = await failure(
      asAdmin().admin.setGeneratorEndpoint({ ...input, baseUrl: "http://user:pass@x/v1" }),
    );
    expect(withCredentials.code).toBe("BAD_REQUEST");
    expect(await env.db.prisma.generatorEndpoint.count()).toBe(0);
  });

  it("keeps the key encrypted at rest and never returns nor audits it", async () => {
    const view = await asAdmin().admin.setGeneratorEndpoint({
      baseUrl: "http://127.0.0.1:8099/v1/",
      model: "gpt-stand-in",
      apiKey: API_KEY,
    });
    expect(view).toMatchObject({
      configured: true,
      baseUrl: "http://127.0.0.1:8099/v1",
      model: "gpt-stand-in",
      apiKeySet: true,
      apiKeyLast4: "1234",
    });
    expect(JSON.stringify(view)).not.toContain(API_KEY);
    expect(JSON.stringify(await asAdmin().admin.generatorEndpoint())).not.toContain(API_KEY);
    const row = await env.db.prisma.generatorEndpoint.findUniqueOrThrow({ where: { id: "default" } });
    expect(row.apiKeyEncrypted).not.toContain(API_KEY);
    expect(decryptWebhookSecret(row.apiKeyEncrypted!, SECRET_KEY)).toBe(API_KEY);
    const audits = await env.db.prisma.auditLog.findMany({ where: { action: "generator_endpoint.set" } });
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits)).not.toContain(API_KEY);

    // Omitted: the stored key stays.
    await asAdmin().admin.setGeneratorEndpoint({ baseUrl: "http://127.0.0.1:8099/v1", model: "gpt-stand-in" });
    expect((await asAdmin().admin.generatorEndpoint()).apiKeyLast4).toBe("1234");
    expect(await asOwnerA().augmentations.generatorAvailability()).toEqual({ configured: true, model: "gpt-stand-in" });
  });

  it("puts base URL, model and key in the augment job's payload, also when the reconciler enqueues it again", async () => {
    const a = await asOwnerA().augmentations.create({
      id: w.chatA.id,
      method: "generate",
      targetRows: 5,
      generatorEndpoint: true,
    });
    expect(a.state).toBe("queued");
    expect(a.settings).toMatchObject({ generatorEndpoint: true, generatorModelId: null });
    expect(JSON.stringify(a)).not.toContain(API_KEY);
    const job = await env.deps.trainingQueue.getJob(a.id);
    const payload = augmentationJobPayloadSchema.parse(job!.data);
    expect(payload.generator).toEqual({
      type: "endpoint",
      baseUrl: "http://127.0.0.1:8099/v1",
      model: "gpt-stand-in",
      apiKeyEnv: null,
      apiKey: API_KEY,
    });
    // Kept in Redis an hour after it ends, not days.
    expect(job!.opts.removeOnComplete).toEqual({ age: 3600 });

    // Redis lost it: the reconciler (with the worker's WEBHOOK_SECRET_KEY) adds it again with the key.
    await env.deps.trainingQueue.remove(a.id);
    const deps = { prisma: env.deps.prisma, trainingQueue: env.deps.trainingQueue };
    const report = await reconcileOnce({ ...deps, config: { webhookSecretKey: SECRET_KEY } });
    expect(report.workReEnqueued).toContain(a.id);
    const again = augmentationJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(a.id))!.data);
    expect(again.generator).toMatchObject({ type: "endpoint", apiKey: API_KEY });

    // A process without the secret key cannot read it: the augmentation fails with the reason (not the key).
    await env.deps.trainingQueue.remove(a.id);
    const without = await reconcileOnce(deps);
    expect(without.workFailed).toContain(a.id);
    const failed = await env.db.prisma.augmentation.findUniqueOrThrow({ where: { id: a.id } });
    expect(failed.error).toMatch(/API key cannot be read: WEBHOOK_SECRET_KEY is not set/);
  });

  it("sends no key for an endpoint without one, and refuses both a model and the endpoint", async () => {
    await asAdmin().admin.setGeneratorEndpoint({ baseUrl: "http://127.0.0.1:8099/v1", model: "open", apiKey: null });
    expect(await asAdmin().admin.generatorEndpoint()).toMatchObject({ apiKeySet: false, apiKeyLast4: null });
    const a = await asOwnerA().augmentations.create({
      id: w.chatA.id,
      method: "generate",
      targetRows: 5,
      generatorEndpoint: true,
    });
    const payload = augmentationJobPayloadSchema.parse((await env.deps.trainingQueue.getJob(a.id))!.data);
    expect(payload.generator).toMatchObject({ type: "endpoint", model: "open", apiKey: null });
    const both = await failure(
      asOwnerA().augmentations.create({
        id: w.chatA.id,
        method: "generate",
        targetRows: 5,
        generatorEndpoint: true,
        generatorModelId: w.sharedModel.id,
      }),
    );
    expect(both.cause?.details?.field).toBe("generatorEndpoint");

    await asAdmin().admin.clearGeneratorEndpoint();
    expect(await asOwnerA().augmentations.generatorAvailability()).toEqual({ configured: false, model: null });
  });
});
