/**
 * No I/O inside an event's transaction (issue 13: transactions held connections while they read blob storage, and
 * uploads failed for want of a connection): the report an evaluation's success is checked against is read before
 * the transaction opens.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@whetstone/db";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { LocalStorage, type BlobStorage } from "@whetstone/storage";
import { EventsConsumer } from "../src/events/events-consumer";
import { createMemoryLogger } from "../src/logger";
import { addEvent, cleanRedis, connectRedis, createFixture, ev, uniqueNames } from "./helpers";

let db: TestDatabase;
let redis: Redis;
let dir: string;
const names = uniqueNames();

beforeAll(async () => {
  db = await createTestDatabase();
  redis = connectRedis();
  dir = await mkdtemp(join(tmpdir(), "wst-tx-io-"));
});
afterAll(async () => {
  await cleanRedis(redis, names.prefix);
  redis.disconnect();
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe("an evaluation's success", () => {
  it("reads its report before the transaction, not inside it", async () => {
    let open = 0;
    const calls: Array<{ op: string; inTransaction: boolean }> = [];
    const prisma = new Proxy(db.prisma, {
      get(target, prop) {
        if (prop !== "$transaction") return Reflect.get(target, prop);
        return async (...args: Parameters<PrismaClient["$transaction"]>) => {
          open++;
          try {
            return await (target.$transaction as (...a: unknown[]) => Promise<unknown>)(...args);
          } finally {
            open--;
          }
        };
      },
    });
    const local = new LocalStorage(dir);
    const watched: BlobStorage = {
      put: (k, b) => local.put(k, b),
      delete: (k) => local.delete(k),
      list: (p) => local.list(p),
      stat: (k) => (calls.push({ op: "stat", inTransaction: open > 0 }), local.stat(k)),
      get: (k) => (calls.push({ op: "get", inTransaction: open > 0 }), local.get(k)),
    };

    const { team } = await createFixture(db.prisma);
    const evaluation = await db.prisma.evaluation.create({
      data: {
        teamId: team.id,
        name: "eval",
        technique: "sft",
        splitKind: "all",
        settings: {},
        state: "running",
        runnerName: "gpu-1",
      },
    });
    const key = `evaluations/${evaluation.id}/report.json`;
    const body = Buffer.from(JSON.stringify({ reportVersion: 99 }));
    await local.put(key, Readable.from([body]));
    const sha256 = createHash("sha256").update(body).digest("hex");
    await addEvent(
      redis,
      names.stream,
      ev.state(evaluation.id, "succeeded", {
        kind: "evaluate",
        runner: "gpu-1",
        artifacts: [{ kind: "eval_report", name: "report.json", key, bytes: body.length, sha256 }],
      } as never),
    );

    const consumer = new EventsConsumer({
      prisma: prisma as PrismaClient,
      redis: connectRedis(),
      logger: createMemoryLogger(),
      consumer: "worker-a",
      stream: names.stream,
      group: names.group,
      channel: names.channel,
      blockMs: 50,
      storage: watched,
    });
    await consumer.ensureGroup();
    while ((await consumer.runOnce()) > 0);
    await consumer.stop();

    // The report was read (it is not a version-1 report, so the evaluation fails saying so)...
    const row = await db.prisma.evaluation.findUniqueOrThrow({ where: { id: evaluation.id } });
    expect(row.state).toBe("failed");
    expect(row.error).toMatch(/^the runner reported success, but its report .* is /);
    // ...and never while a transaction held its connection.
    expect(calls.filter((c) => c.op === "get")).toHaveLength(1);
    expect(calls.filter((c) => c.inTransaction)).toEqual([]);
  });
});
