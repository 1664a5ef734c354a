/** Test environment of one test file: its own database, its own BullMQ queue name and Redis prefix. */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage } from "@whetstone/storage";
import { createCaller } from "../src/root";
import { createContext, type ApiDeps, type Caller } from "../src/trpc";

export interface TestEnv {
  db: TestDatabase;
  deps: ApiDeps;
  queueName: string;
  prefix: string;
  /** A tRPC caller acting as this user in the team with this slug (the dashboard's x-whetstone-team). */
  as(user: { id: string; isAdmin: boolean }, teamSlug?: string | null): ReturnType<typeof createCaller>;
  asCaller(caller: Caller | null, teamSlug?: string | null): ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

export async function createTestEnv(): Promise<TestEnv> {
  const db = await createTestDatabase();
  const id = randomBytes(4).toString("hex");
  const prefix = `wst-test-${id}`;
  const queueName = `training-test-${id}`;
  const redis = new Redis({ host: "127.0.0.1", port: 6379, maxRetriesPerRequest: 1, keyPrefix: undefined });
  const trainingQueue = new Queue(queueName, { connection: redis, prefix });
  const dir = await mkdtemp(join(tmpdir(), "wst-api-test-"));
  const deps: ApiDeps = {
    prisma: db.prisma,
    redis,
    trainingQueue,
    storage: new LocalStorage(dir),
    config: { maxUploadBytes: 10 * 1024 * 1024 },
  };
  const asCaller = (caller: Caller | null, teamSlug: string | null = null) =>
    createCaller(createContext({ deps, caller, teamSlug }));
  return {
    db,
    deps,
    queueName,
    prefix,
    asCaller,
    as: (user, teamSlug = null) => asCaller({ kind: "session", userId: user.id, isAdmin: user.isAdmin }, teamSlug),
    async close() {
      await trainingQueue.obliterate({ force: true }).catch(() => undefined);
      await trainingQueue.close();
      const keys = await redis.keys("whetstone:cancel:*");
      // Only the cancel flags of this database's jobs and evaluations (cuid ids are unique across test files).
      const mine = [
        ...(await db.prisma.fineTuneJob.findMany({ select: { id: true } })),
        ...(await db.prisma.evaluation.findMany({ select: { id: true } })),
      ];
      const ids = new Set(mine.map((j) => `whetstone:cancel:${j.id}`));
      const own = keys.filter((k) => ids.has(k));
      if (own.length) await redis.del(...own);
      redis.disconnect();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
