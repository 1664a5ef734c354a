import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@whetstone/db/testing";
import { EventsConsumer, type EventsConsumerOptions } from "../src/events/events-consumer";
import { createMemoryLogger } from "../src/logger";
import { addEvent, cleanRedis, connectRedis, createFixture, ev, uniqueNames } from "./helpers";

let db: TestDatabase;
let redis: Redis;
let names: ReturnType<typeof uniqueNames>;
const consumers: EventsConsumer[] = [];
const connections: Redis[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  redis = connectRedis();
});
afterAll(async () => {
  redis.disconnect();
  await db.drop();
});
beforeEach(() => {
  names = uniqueNames();
});
afterEach(async () => {
  for (const c of consumers.splice(0)) await c.stop();
  for (const r of connections.splice(0)) r.disconnect();
  await cleanRedis(redis, names.prefix);
});

function makeConsumer(overrides: Partial<EventsConsumerOptions> = {}) {
  const connection = connectRedis();
  connections.push(connection);
  const logger = createMemoryLogger();
  const consumer = new EventsConsumer({
    prisma: db.prisma,
    redis: connection,
    logger,
    consumer: "worker-a",
    stream: names.stream,
    group: names.group,
    channel: names.channel,
    blockMs: 50,
    retryBaseMs: 10,
    ...overrides,
  });
  consumers.push(consumer);
  return { consumer, logger, connection };
}

/** Runs the consumer step by step until the stream has nothing more for it. */
async function drain(consumer: EventsConsumer): Promise<void> {
  await consumer.ensureGroup();
  for (let i = 0; i < 100; i++) if ((await consumer.runOnce()) === 0) return;
  throw new Error("the consumer never ran dry");
}

async function pendingCount(group = names.group): Promise<number> {
  const summary = (await redis.xpending(names.stream, group)) as [number, ...unknown[]];
  return summary[0];
}

describe("events consumer: idempotency", () => {
  it("applies an event delivered twice exactly once", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const metric = ev.metric(job.id, 10, { train_loss: 2.5, learning_rate: 0.0002 });
    const log = ev.log(job.id, "loaded 64 rows");
    // The runner retried its XADD: the same events (same ids) appear twice in the stream.
    for (const e of [metric, log, metric, log]) await addEvent(redis, names.stream, e);
    // Another event for the same (job, step, metric) with a new id does not make a second point either.
    await addEvent(redis, names.stream, { ...ev.metric(job.id, 10, { train_loss: 9.9 }) });

    const { consumer } = makeConsumer();
    await drain(consumer);

    const points = await db.prisma.metricPoint.findMany({ where: { jobId: job.id }, orderBy: { name: "asc" } });
    expect(points.map((p) => [p.step, p.name, p.value])).toEqual([
      [10, "learning_rate", 0.0002],
      [10, "train_loss", 2.5],
    ]);
    const events = await db.prisma.jobEvent.findMany({ where: { jobId: job.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "log", level: "info", message: "loaded 64 rows", eventId: log.eventId });
    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).currentStep).toBe(10);
    expect(await pendingCount()).toBe(0);

    // A second consumer group replaying the whole stream (Redis restored from a backup…) changes nothing.
    const { consumer: replay } = makeConsumer({ group: `${names.group}-replay`, consumer: "replayer" });
    await drain(replay);
    expect(await db.prisma.metricPoint.count({ where: { jobId: job.id } })).toBe(2);
    expect(await db.prisma.jobEvent.count({ where: { jobId: job.id } })).toBe(1);
  });

  it("publishes a job update after each commit", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const sub = connectRedis();
    connections.push(sub);
    const messages: unknown[] = [];
    sub.on("message", (_channel: string, message: string) => messages.push(JSON.parse(message)));
    await sub.subscribe(names.channel(job.id));

    await addEvent(redis, names.stream, ev.metric(job.id, 3, { train_loss: 1 }));
    const { consumer } = makeConsumer();
    await drain(consumer);
    await new Promise((r) => setTimeout(r, 100));
    expect(messages).toEqual([{ type: "metric", step: 3 }]);
  });
});

describe("events consumer: crash and recovery", () => {
  async function seedStream(jobId: string) {
    const sent = [];
    for (let step = 1; step <= 8; step++) sent.push(ev.metric(jobId, step, { train_loss: 3 - step / 10 }));
    sent.splice(4, 0, ev.log(jobId, "epoch 1 done"));
    sent.push(ev.checkpoint(jobId, 8));
    for (const e of sent) await addEvent(redis, names.stream, e);
    return sent;
  }

  async function crashAfter(n: number) {
    let committed = 0;
    const { consumer, connection } = makeConsumer({
      onCommitted: () => {
        committed += 1;
        if (committed === n) {
          consumer.kill(); // dies before acknowledging anything of the batch
          connection.disconnect();
        }
      },
    });
    await consumer.ensureGroup();
    await consumer.runOnce();
    return consumer;
  }

  async function expectAllAppliedOnce(jobId: string) {
    const points = await db.prisma.metricPoint.findMany({ where: { jobId }, orderBy: { step: "asc" } });
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await db.prisma.jobEvent.count({ where: { jobId } })).toBe(1);
    expect(await db.prisma.checkpoint.count({ where: { jobId } })).toBe(1);
    expect(await db.prisma.processedEvent.count()).toBeGreaterThanOrEqual(10);
    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: jobId } })).currentStep).toBe(8);
    expect(await pendingCount()).toBe(0);
  }

  it("a restarted consumer (same name) re-reads its pending entries: no loss, no duplicate", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    await seedStream(job.id);
    await crashAfter(3);

    // The crash left 3 events committed but unacknowledged and 7 read but not applied.
    expect(await db.prisma.metricPoint.count({ where: { jobId: job.id } })).toBe(3);
    expect(await pendingCount()).toBe(10);

    const { consumer: restarted } = makeConsumer({ consumer: "worker-a" });
    await drain(restarted);
    await expectAllAppliedOnce(job.id);
  });

  it("another consumer claims the entries of a dead one once they are idle", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    await seedStream(job.id);
    await crashAfter(5);
    expect(await db.prisma.metricPoint.count({ where: { jobId: job.id } })).toBe(4);

    // Not idle long enough yet: the other consumer leaves them alone.
    const { consumer: patient } = makeConsumer({ consumer: "worker-b", claimMinIdleMs: 60_000 });
    await drain(patient);
    expect(await pendingCount()).toBe(10);

    await new Promise((r) => setTimeout(r, 250));
    const { consumer: other } = makeConsumer({ consumer: "worker-c", claimMinIdleMs: 200 });
    await drain(other);
    await expectAllAppliedOnce(job.id);
  });

  it("retries an entry whose transaction failed, keeping the order", async () => {
    const { job } = await createFixture(db.prisma, { state: "queued" });
    await addEvent(redis, names.stream, ev.state(job.id, "running"));
    await addEvent(redis, names.stream, ev.metric(job.id, 1, { train_loss: 1 }));
    let failOnce = true;
    const { consumer, logger } = makeConsumer({
      // Stands in for a database outage at the first commit: the hook runs after the commit, so the first
      // attempt is applied but not acknowledged, and the retry must find it already applied.
      onCommitted: () => {
        if (failOnce) {
          failOnce = false;
          throw new Error("connection reset");
        }
      },
    });
    await drain(consumer);
    expect(logger.records.some((r) => r.msg === "event failed; will retry")).toBe(true);
    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("running");
    expect(await db.prisma.jobEvent.count({ where: { jobId: job.id, kind: "state" } })).toBe(1);
    expect(await db.prisma.metricPoint.count({ where: { jobId: job.id } })).toBe(1);
    expect(await pendingCount()).toBe(0);
  });
});

describe("events consumer: malformed entries", () => {
  it("acknowledges and logs a malformed entry, then applies the next valid one", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    await redis.xadd(names.stream, "*", "data", "{not json");
    await addEvent(redis, names.stream, { type: "metric", eventId: "not-a-uuid", jobId: job.id });
    await redis.xadd(names.stream, "*", "payload", "{}");
    const valid = ev.log(job.id, "still alive");
    await addEvent(redis, names.stream, valid);

    const { consumer, logger } = makeConsumer();
    await drain(consumer);

    const warnings = logger.records.filter((r) => r.msg === "malformed stream entry acknowledged without effect");
    expect(warnings.map((w) => w.reason)).toEqual([
      expect.stringContaining('"data" is not JSON'),
      expect.stringContaining("not a runner event"),
      'no "data" field',
    ]);
    expect(warnings[1]?.reason).toMatch(/eventId/);
    expect(await db.prisma.jobEvent.findMany({ where: { jobId: job.id } })).toMatchObject([
      { eventId: valid.eventId, message: "still alive" },
    ]);
    expect(await pendingCount()).toBe(0);
    expect(await redis.xlen(`${names.stream}:dead-letter`)).toBe(3);
  });
});

describe("events consumer: ignored events", () => {
  it("acknowledges and logs an event the job's rules refuse, with the reason", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    await addEvent(redis, names.stream, ev.state(job.id, "cancelled", { message: "cancelled by ada" }));
    await addEvent(redis, names.stream, ev.state(job.id, "running"));

    const { consumer, logger } = makeConsumer();
    await drain(consumer);

    expect((await db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: job.id } })).state).toBe("cancelled");
    const ignored = logger.records.find((r) => r.msg === "event ignored");
    expect(ignored?.reason).toBe('a job in state "cancelled" cannot move to "running"');
    expect(await pendingCount()).toBe(0);
  });
});

describe("events consumer: stream maintenance", () => {
  it("trims entries every group has acknowledged, keeping recent and pending ones, and forgets idle consumers", async () => {
    const { job } = await createFixture(db.prisma, { state: "running", runnerName: "gpu-1" });
    const ancient = ["1000-1", "1000-2", "1000-3"];
    for (const id of ancient) await redis.xadd(names.stream, id, "data", JSON.stringify(ev.log(job.id, `line ${id}`)));
    const fresh = await addEvent(redis, names.stream, ev.log(job.id, "fresh"));

    // A second group (another service reading the stream) has read two entries and acknowledged the first.
    const other = `${names.group}-other`;
    await redis.xgroup("CREATE", names.stream, other, "0");
    await redis.call("XREADGROUP", "GROUP", other, "o1", "COUNT", 2, "STREAMS", names.stream, ">");
    await redis.xack(names.stream, other, "1000-1");

    const { consumer } = makeConsumer({ retentionMs: 3600_000, forgetConsumerAfterMs: 0, maintainEveryMs: 3600_000 });
    await consumer.ensureGroup();
    await redis.xgroup("CREATECONSUMER", names.stream, names.group, "ghost");
    await drain(consumer);
    expect(await db.prisma.jobEvent.count({ where: { jobId: job.id } })).toBe(4);

    expect(await consumer.maintain()).toBe("1000-2");
    let ids = (await redis.xrange(names.stream, "-", "+")).map(([id]) => id);
    expect(ids).toEqual(["1000-2", "1000-3", fresh]);
    const consumerNames = ((await redis.xinfo("CONSUMERS", names.stream, names.group)) as unknown[][]).map((c) => c[1]);
    expect(consumerNames).toEqual(["worker-a"]);

    // Once the other group has acknowledged everything, only the retention window holds entries back.
    await redis.call("XREADGROUP", "GROUP", other, "o1", "COUNT", 10, "STREAMS", names.stream, ">");
    await redis.xack(names.stream, other, "1000-2", "1000-3", fresh);
    await consumer.maintain();
    ids = (await redis.xrange(names.stream, "-", "+")).map(([id]) => id);
    expect(ids).toEqual([fresh]);
  });
});
