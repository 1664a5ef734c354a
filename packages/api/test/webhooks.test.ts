/**
 * Webhooks (decision 0010): Standard Webhooks signatures (the spec's own test vector), secrets encrypted at rest,
 * the endpoints' procedures, and delivery against a real HTTP receiver with real PostgreSQL: one delivery per
 * endpoint and final state, whatever wrote it; retried with exponential backoff; the same event id every attempt.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { appRouter, createContext, type ApiDeps } from "../src";
import {
  decryptWebhookSecret,
  deliverDueWebhooks,
  encryptWebhookSecret,
  enqueueWebhookDeliveries,
  generateWebhookSecret,
  retryDelayMs,
  verifyWebhook,
  webhookSignature,
  type WebhookRetryPolicy,
} from "../src/webhooks";
import { createFixture } from "./runner-fixtures";

const KEY = "a-webhook-secret-key-of-at-least-32-characters";

describe("signing and secrets", () => {
  it("signs as the Standard Webhooks spec's test vector says", () => {
    expect(
      webhookSignature(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    const secret = generateWebhookSecret();
    const sig = webhookSignature(secret, "evt_1", 1_700_000_000, "{}");
    const headers = { id: "evt_1", timestamp: "1700000000", signature: `v1,bad ${sig}` };
    expect(verifyWebhook(secret, headers, "{}", 1_700_000_010)).toBe(true);
    expect(verifyWebhook(secret, headers, "{ }", 1_700_000_010)).toBe(false);
    expect(verifyWebhook(secret, headers, "{}", 1_700_001_000)).toBe(false); // too old
  });

  it("keeps secrets encrypted: a round trip, a fresh IV each time, and no plain text without the key", () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const a = encryptWebhookSecret(secret, KEY);
    expect(a).not.toContain(secret.slice(6));
    expect(encryptWebhookSecret(secret, KEY)).not.toBe(a);
    expect(decryptWebhookSecret(a, KEY)).toBe(secret);
    expect(() => decryptWebhookSecret(a, "another-key-of-at-least-32-characters-long")).toThrow();
  });

  it("backs off exponentially, capped", () => {
    const p: WebhookRetryPolicy = { baseDelayMs: 5_000, factor: 4, maxDelayMs: 3600_000, maxAttempts: 10 };
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, p, mid))).toEqual([
      5_000, 20_000, 80_000, 320_000, 1_280_000, 3_600_000,
    ]);
  });
});

describe("endpoints and deliveries", () => {
  let db: TestDatabase;
  let deps: ApiDeps;
  let server: Server;
  let url: string;
  const received: { headers: IncomingMessage["headers"]; body: string }[] = [];
  let answer = 200;

  beforeAll(async () => {
    db = await createTestDatabase();
    const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1, lazyConnect: true });
    deps = {
      prisma: db.prisma,
      redis,
      trainingQueue: new Queue(`wh-test-${Date.now()}`, { connection: redis }),
      storage: new LocalStorage("/tmp/wst-webhooks-test"),
      config: { maxUploadBytes: 1024, webhookSecretKey: KEY },
    };
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await deps?.trainingQueue.close();
    deps?.redis.disconnect();
    await db?.drop();
  });

  it("registers an endpoint (secret shown once), delivers each final state once, retries with backoff", async () => {
    const { user, team, job } = await createFixture(db.prisma);
    const caller = appRouter.createCaller(
      createContext({ deps, caller: { kind: "session", userId: user.id, isAdmin: false }, teamSlug: team.slug }),
    );
    // a job that finished before the endpoint existed is not announced
    await db.prisma.fineTuneJob.update({
      where: { id: job.id },
      data: { state: "failed", error: "boom", finishedAt: new Date(Date.now() - 60_000) },
    });
    const created = await caller.webhooks.create({ url });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await caller.webhooks.list();
    expect(JSON.stringify(listed)).not.toContain(created.secret.slice(6));
    const stored = await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.secretCiphertext).not.toContain(created.secret.slice(6));
    await expect(caller.webhooks.create({ url: "ftp://example.com/x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });

    const finished = await db.prisma.fineTuneJob.create({
      data: {
        teamId: team.id,
        name: "done",
        baseModelId: job.baseModelId,
        technique: "sft",
        method: "lora",
        hyperparameters: {},
        validationSplit: 0.1,
        seed: 1,
        state: "succeeded",
        finishedAt: new Date(),
      },
    });
    expect(await enqueueWebhookDeliveries(db.prisma)).toBe(1);
    expect(await enqueueWebhookDeliveries(db.prisma)).toBe(0); // a second pass adds nothing

    const policy: WebhookRetryPolicy = { baseDelayMs: 50, factor: 2, maxDelayMs: 1000, maxAttempts: 3 };
    answer = 500;
    const first = await deliverDueWebhooks(db.prisma, { secretKey: KEY, policy });
    expect(first).toEqual([expect.objectContaining({ status: "pending", statusCode: 500 })]);
    expect(await deliverDueWebhooks(db.prisma, { secretKey: KEY, policy })).toEqual([]); // not due yet
    await new Promise((r) => setTimeout(r, 120));
    answer = 204;
    const second = await deliverDueWebhooks(db.prisma, { secretKey: KEY, policy });
    expect(second).toEqual([expect.objectContaining({ status: "delivered", statusCode: 204 })]);

    expect(received).toHaveLength(2);
    const [a, b] = received;
    expect(a!.headers["webhook-id"]).toBe(b!.headers["webhook-id"]); // the same event, retried
    const body = JSON.parse(b!.body) as Record<string, unknown>;
    expect(body).toEqual({
      id: b!.headers["webhook-id"],
      object: "event",
      created_at: Math.floor(finished.finishedAt!.getTime() / 1000),
      type: "fine_tuning.job.succeeded",
      data: { id: `ftjob-${finished.id}` },
    });
    expect(
      verifyWebhook(
        created.secret,
        {
          id: String(b!.headers["webhook-id"]),
          timestamp: String(b!.headers["webhook-timestamp"]),
          signature: String(b!.headers["webhook-signature"]),
        },
        b!.body,
      ),
    ).toBe(true);

    const [endpoint] = await caller.webhooks.list();
    expect(endpoint!.deliveries).toEqual([
      expect.objectContaining({
        type: "fine_tuning.job.succeeded",
        status: "delivered",
        attempts: 2,
        lastStatusCode: 204,
      }),
    ]);
    await caller.webhooks.delete({ id: created.id });
    expect(await db.prisma.webhookDelivery.count()).toBe(0);
  });

  it("gives up after the last attempt, and only sends the event types an endpoint asked for", async () => {
    const { user, team, job } = await createFixture(db.prisma);
    const caller = appRouter.createCaller(
      createContext({ deps, caller: { kind: "session", userId: user.id, isAdmin: false }, teamSlug: team.slug }),
    );
    await caller.webhooks.create({ url, events: ["fine_tuning.job.failed"] });
    await db.prisma.fineTuneJob.update({ where: { id: job.id }, data: { state: "cancelled", finishedAt: new Date() } });
    expect(await enqueueWebhookDeliveries(db.prisma)).toBe(0);
    await db.prisma.fineTuneJob.update({ where: { id: job.id }, data: { state: "failed" } });
    expect(await enqueueWebhookDeliveries(db.prisma)).toBe(1);
    answer = 503;
    const policy: WebhookRetryPolicy = { baseDelayMs: 1, factor: 1, maxDelayMs: 1, maxAttempts: 2 };
    await deliverDueWebhooks(db.prisma, { secretKey: KEY, policy });
    await new Promise((r) => setTimeout(r, 20));
    expect(await deliverDueWebhooks(db.prisma, { secretKey: KEY, policy })).toEqual([
      expect.objectContaining({ status: "failed", statusCode: 503 }),
    ]);
    // no key: endpoints cannot be registered (their secret would have to be stored in the clear)
    const noKey = appRouter.createCaller(
      createContext({
        deps: { ...deps, config: { maxUploadBytes: 1024 } },
        caller: { kind: "session", userId: user.id, isAdmin: false },
        teamSlug: team.slug,
      }),
    );
    await expect(noKey.webhooks.create({ url })).rejects.toMatchObject({
      code: "PRECONDITION_FAILED",
      message: expect.stringContaining("WEBHOOK_SECRET_KEY"),
    });
  });
});
