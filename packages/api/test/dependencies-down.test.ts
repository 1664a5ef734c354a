/**
 * A dependency down, full or saturated (issue 13, "Faults and load"): the API answers at once with a clear 503 and
 * Retry-After, never a hang or a 500, and leaves nothing half-written. Redis here is a redis-server of this test's own
 * (another port), stopped and started again; the shared Redis on 6379 is never touched.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient } from "@whetstone/db";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { TRAINING_QUEUE } from "@whetstone/queue";
import { LocalStorage, StorageError } from "@whetstone/storage";
import { sweepOrphanBlobs } from "../src/datasets/ingest/sweep-orphan-blobs";
import { ingestDataset } from "../src/datasets/ingest-dataset";
import { listJobs } from "../src/jobs/list-jobs";
import { reconcileOnce } from "../src/reconcile/reconcile-once";
import { REQUEST_REDIS_OPTIONS } from "../src/request-redis-options";
import { restErrorFrom } from "../src/rest/errors";
import { createCaller } from "../src/root";
import { createContext, type ApiDeps } from "../src/trpc";
import { seedWorld, type World } from "./fixtures";

let db: TestDatabase;
let w: World;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  w = await seedWorld(db.prisma);
  dir = await mkdtemp(join(tmpdir(), "wst-down-"));
});
afterAll(async () => {
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const quiet = () => undefined;

/** The REST answer to an error, as the upload route and the generated REST API write it. */
async function restAnswer(err: unknown) {
  const res = restErrorFrom(err, quiet);
  return {
    status: res.status,
    retryAfter: res.headers.get("retry-after"),
    body: (await res.json()) as { error: { code: string; message: string; details: Record<string, unknown> } },
  };
}

function chatJsonl(rows: number): string {
  return Array.from({ length: rows }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `Where is my parcel number ${i}?` },
        { role: "assistant", content: `Parcel ${i} left the warehouse today.` },
      ],
    }),
  ).join("\n");
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A redis-server of the test's own, nothing kept on disk. */
async function startRedis(port: number): Promise<ChildProcess> {
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on("error", quiet);
  for (let i = 0; i < 100; i++) {
    if (
      await probe.connect().then(
        () => probe.ping(),
        () => null,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 50));
  }
  probe.disconnect();
  return proc;
}

describe("Redis down", () => {
  it("creating a job answers at once (the reconciler enqueues it later); cancelling answers 503 naming Redis", async () => {
    const port = await freePort();
    let server = await startRedis(port);
    const redis = new Redis({ port, ...REQUEST_REDIS_OPTIONS });
    redis.on("error", quiet);
    const trainingQueue = new Queue(TRAINING_QUEUE, {
      connection: redis,
      prefix: `t-${randomBytes(4).toString("hex")}`,
    });
    trainingQueue.on("error", quiet);
    const deps: ApiDeps = {
      prisma: db.prisma,
      redis,
      trainingQueue,
      storage: new LocalStorage(join(dir, "blobs")),
      config: { maxUploadBytes: 1 << 20 },
    };
    const api = createCaller(
      createContext({ deps, caller: { kind: "session", userId: w.ownerA.id, isAdmin: false }, teamSlug: w.teamA.slug }),
    );
    try {
      await trainingQueue.waitUntilReady();
      server.kill("SIGKILL");
      await new Promise<void>((resolve) => server.once("exit", () => resolve()));
      // Down for a while, as in an outage: ioredis' reconnection delays have grown to their 2 s cap.
      await new Promise((r) => setTimeout(r, 4_000));

      const t0 = Date.now();
      const job = await api.jobs.create({
        baseModelId: w.sharedModel.id,
        technique: "sft",
        datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
        hyperparameters: { epochs: 1, maxSteps: 20 },
      });
      const took = Date.now() - t0;
      expect(job.state).toBe("queued");
      expect(took).toBeLessThan(2_500); // was ~15 s: every Redis command waited out ioredis' reconnections
      expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).enqueuedAt).toBeNull();

      const cancel = await api.jobs.cancel({ id: job.id }).catch((e: unknown) => e);
      const answer = await restAnswer(cancel);
      expect(answer).toMatchObject({
        status: 503,
        retryAfter: "5",
        body: {
          error: { code: "SERVICE_UNAVAILABLE", message: "the queue (Redis) is unreachable; try again shortly" },
        },
      });
      expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("queued");

      // Redis is back (empty): the reconciler enqueues the job the request accepted.
      server = await startRedis(port);
      for (let i = 0; i < 100 && redis.status !== "ready"; i++) await new Promise((r) => setTimeout(r, 50));
      const report = await reconcileOnce({ prisma: db.prisma, trainingQueue });
      expect(report.enqueued).toContain(job.id);
      expect(await trainingQueue.getJobState(job.id)).not.toBe("unknown");
    } finally {
      await trainingQueue.close().catch(quiet);
      redis.disconnect();
      server.kill("SIGKILL");
    }
  }, 60_000);
});

describe("the database pool exhausted", () => {
  it("answers uploads and listings 503 with Retry-After, leaves no row and no blob, and serves them once free", async () => {
    // Two connections, a one-second wait for one (DATABASE_URL's connection_limit and pool_timeout).
    const url = new URL(db.url);
    url.searchParams.set("connection_limit", "2");
    url.searchParams.set("pool_timeout", "1");
    const prisma = createPrismaClient(url.toString());
    const storageRoot = join(dir, "pool-blobs");
    const deps = { prisma, storage: new LocalStorage(storageRoot), config: { maxUploadBytes: 1 << 20 } };
    const upload = (name: string) =>
      ingestDataset(deps, {
        teamId: w.teamA.id,
        userId: w.ownerA.id,
        datasetName: name,
        filename: "chat.jsonl",
        body: Readable.from([Buffer.from(chatJsonl(20))]),
      });
    try {
      // Two long transactions hold both connections for 3 s.
      const holders = [1, 2].map(() =>
        prisma.$transaction((tx) => tx.$executeRaw`SELECT pg_sleep(3)`, { timeout: 10_000 }),
      );
      await new Promise((r) => setTimeout(r, 300));
      const [uploadErr, listErr, jobsErr] = await Promise.all([
        upload("while-busy").catch((e: unknown) => e),
        prisma.dataset.findMany().catch((e: unknown) => e),
        listJobs(prisma, w.teamA.id, { limit: 5 }).catch((e: unknown) => e), // node-postgres on the same pool
      ]);
      for (const err of [uploadErr, listErr, jobsErr]) {
        const answer = await restAnswer(err);
        expect(answer.status).toBe(503);
        expect(answer.retryAfter).toBe("2");
        expect(answer.body.error.message).toMatch(/^the database is busy or unreachable/);
      }
      await Promise.all(holders);
      expect(await db.prisma.dataset.count({ where: { name: "while-busy" } })).toBe(0);
      const files = (await readdir(storageRoot, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
      expect(files).toEqual([]); // the blob written before the transaction failed was removed

      // Free again: the same upload goes through.
      expect((await upload("while-busy")).version).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
  }, 60_000);
});

describe("the database unreachable", () => {
  it("answers 503 naming the database, not 500", async () => {
    const prisma = createPrismaClient(`postgresql://postgres@127.0.0.1:${await freePort()}/nowhere?pool_timeout=1`);
    try {
      const errors = [
        await prisma.dataset.findMany().catch((e: unknown) => e),
        await listJobs(prisma, w.teamA.id, { limit: 5 }).catch((e: unknown) => e), // node-postgres, no Prisma
      ];
      for (const err of errors) {
        expect(await restAnswer(err)).toMatchObject({
          status: 503,
          retryAfter: "2",
          body: { error: { code: "SERVICE_UNAVAILABLE", details: { dependency: "database" } } },
        });
      }
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("the database dropping idle connections", () => {
  it("a restart or failover that ends the pool's idle connections is survived: the next read opens new ones", async () => {
    const url = new URL(db.url);
    url.searchParams.set("application_name", "wst-idle-drop");
    const prisma = createPrismaClient(url.toString());
    try {
      // Only reads through node-postgres so far (queryRows): nothing of Prisma's has touched the pool yet.
      await Promise.all([1, 2, 3].map(() => listJobs(prisma, w.teamA.id, { limit: 5 })));
      const killed = await db.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE application_name = 'wst-idle-drop'`;
      expect(Number(killed[0]!.n)).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300)); // the pool sees its idle connections end
      expect((await listJobs(prisma, w.teamA.id, { limit: 5 })).items.length).toBeGreaterThan(0);
      expect(await prisma.dataset.count()).toBeGreaterThan(0);
    } finally {
      await prisma.$disconnect();
    }
  });
});

describe("blob storage failing", () => {
  it("answers an upload 503 saying nothing was saved, with no row and no file left", async () => {
    const root = join(dir, "broken-blobs");
    const storage = new LocalStorage(root);
    await storage.put("placeholder", Readable.from([Buffer.from("x")]));
    await writeFile(join(root, "datasets"), "a file where the datasets folder should be"); // every write fails
    const err = await ingestDataset(
      { prisma: db.prisma, storage, config: { maxUploadBytes: 1 << 20 } },
      {
        teamId: w.teamA.id,
        userId: w.ownerA.id,
        datasetName: "unstorable",
        filename: "chat.jsonl",
        body: Readable.from([Buffer.from(chatJsonl(5))]),
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(await restAnswer(err)).toMatchObject({
      status: 503,
      retryAfter: "10",
      body: { error: { code: "SERVICE_UNAVAILABLE", details: { dependency: "storage" } } },
    });
    expect(await db.prisma.dataset.count({ where: { name: "unstorable" } })).toBe(0);

    // A full disk says so.
    const full = new StorageError("could not write x: ENOSPC: no space left on device", "ENOSPC");
    expect(await restAnswer(full)).toMatchObject({
      status: 503,
      body: {
        error: { message: "blob storage is full: nothing was saved; try again once space is freed" },
      },
    });
  });
});

describe("the storage sweeper", () => {
  it("removes what a killed upload left — once abandoned for the threshold — and nothing a version uses", async () => {
    const root = join(dir, "sweep-blobs");
    const storage = new LocalStorage(root);
    const deps = { prisma: db.prisma, storage, config: { maxUploadBytes: 1 << 20 } };
    const kept = await ingestDataset(deps, {
      teamId: w.teamA.id,
      userId: w.ownerA.id,
      datasetName: "kept",
      filename: "chat.jsonl",
      body: Readable.from([Buffer.from(chatJsonl(5))]),
    });
    // A web app killed between the blob and its row: a complete blob nobody points to; killed mid-write: a partial.
    const orphan = `datasets/${w.teamA.id}/killed-upload/chat.jsonl`;
    await storage.put(orphan, Readable.from([Buffer.from(chatJsonl(5))]));
    const partial = join(root, `datasets/${w.teamA.id}/killed-mid-write/chat.jsonl.a1b2c3.partial`);
    await storage.put(`datasets/${w.teamA.id}/killed-mid-write/.keep-dir`, Readable.from([Buffer.from("")]));
    await storage.delete(`datasets/${w.teamA.id}/killed-mid-write/.keep-dir`);
    await writeFile(partial, "half a line");
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(partial, hourAgo, hourAgo);

    const state = { orphanSince: new Map<string, number>() };
    const t0 = new Date();
    const first = await sweepOrphanBlobs(deps, state, { afterMs: 30 * 60_000, now: t0 });
    expect(first.removedUnfinished).toEqual([`datasets/${w.teamA.id}/killed-mid-write/chat.jsonl.a1b2c3.partial`]);
    expect(first.removedOrphans).toEqual([]); // seen orphan for the first time: not yet
    const later = await sweepOrphanBlobs(deps, state, {
      afterMs: 30 * 60_000,
      now: new Date(t0.getTime() + 31 * 60_000),
    });
    expect(later.removedOrphans).toEqual([orphan]);
    expect((await storage.list("datasets/")).map((b) => b.key).sort()).toEqual(
      [kept.blobKey, kept.sketchKey].filter((k): k is string => Boolean(k)).sort(),
    );
  });
});
