/**
 * Persists runner events from the Redis Stream `whetstone:events` into PostgreSQL.
 *
 * Delivery is at least once (a consumer group: an entry stays pending until XACK), application is exactly
 * once: each event commits in one transaction together with its `ProcessedEvent(eventId)` row, and an event
 * whose id is already there is skipped. XACK comes only after the commit. See
 * docs/decisions/0002-events-persistence.md.
 */
import type { Redis } from "ioredis";
import {
  applyRunnerEvent,
  prepareAugmentedVersion,
  settleAugmentationEvent,
  type ApplyOptions,
  type ApplyResult,
} from "@whetstone/api";
import type { PrismaClient } from "@whetstone/db";
import { EVENTS_GROUP, EVENTS_STREAM, jobUpdatesChannel, type RunnerEvent } from "@whetstone/queue";
import type { Logger } from "../logger";
import { prefetchSuccessDocuments } from "./prefetch-blobs";
import { compareIds, flatToRecord, parseEntry, streamEntries, type StreamEntry } from "./stream-entries";

export interface EventsConsumerOptions {
  prisma: PrismaClient;
  /** A connection of its own: XREADGROUP blocks it for up to `blockMs`. */
  redis: Redis;
  logger: Logger;
  /** Consumer name within the group; keep it stable across restarts of the same worker (the host name). */
  consumer: string;
  stream?: string;
  group?: string;
  /** Channel on which a job's open pages hear that it changed. */
  channel?: (jobId: string) => string;
  /** Where unparseable entries and entries that failed `maxAttempts` times are copied before being acked. */
  deadLetterStream?: string;
  batchSize?: number;
  blockMs?: number;
  /** Entries pending this long on another consumer are taken over (that consumer is presumed dead). */
  claimMinIdleMs?: number;
  claimEveryMs?: number;
  /** Longest gap between two heartbeats metered as GPU time. */
  maxMeteredGapMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How often the consumer trims the stream and forgets dead consumers. */
  maintainEveryMs?: number;
  /** Entries newer than this are kept even when every group has acknowledged them (for inspection). */
  retentionMs?: number;
  /** A consumer of the group idle this long with nothing pending is deleted from the group. */
  forgetConsumerAfterMs?: number;
  /** Where a succeeded evaluation's report is read from (an evaluation's success cannot be applied without it). */
  storage?: ApplyOptions["storage"];
  /**
   * Runs after an entry's transaction committed, before its batch is acknowledged, with what applying it produced
   * (null: a duplicate). apps/worker performs the result's effects here (enqueue an automatic evaluation) and starts
   * waiting jobs; tests hook crashes here.
   */
  onCommitted?: (entryId: string, event: RunnerEvent, result: ApplyResult | null) => void | Promise<void>;
}

export type EntryOutcome = "applied" | "ignored" | "duplicate" | "malformed" | "deleted";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EventsConsumer {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  private readonly o: Required<Omit<EventsConsumerOptions, "onCommitted" | "storage">> &
    Pick<EventsConsumerOptions, "onCommitted" | "storage">;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private killed = false;
  /** Whether this consumer may have entries delivered but not acked (at start, after a claim or a failure). */
  private hasPending = true;
  private nextClaimAt = 0;
  private nextMaintainAt = 0;
  private readonly attempts = new Map<string, number>();

  constructor(opts: EventsConsumerOptions) {
    const stream = opts.stream ?? EVENTS_STREAM;
    this.o = {
      stream,
      group: EVENTS_GROUP,
      channel: jobUpdatesChannel,
      deadLetterStream: `${stream}:dead-letter`,
      batchSize: 100,
      blockMs: 1000,
      claimMinIdleMs: 60_000,
      claimEveryMs: 30_000,
      maxMeteredGapMs: 10_000,
      maxAttempts: 10,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
      maintainEveryMs: 5 * 60_000,
      retentionMs: 24 * 3600_000,
      forgetConsumerAfterMs: 7 * 24 * 3600_000,
      ...opts,
    };
    this.stream = this.o.stream;
    this.group = this.o.group;
    this.consumer = this.o.consumer;
  }

  private get log(): Logger {
    return this.o.logger;
  }

  /** Creates the consumer group (and the stream) if absent, reading from the first entry. */
  async ensureGroup(): Promise<void> {
    try {
      await this.o.redis.xgroup("CREATE", this.stream, this.group, "0", "MKSTREAM");
      this.log.info("created consumer group", { stream: this.stream, group: this.group });
    } catch (err) {
      if (!(err instanceof Error && err.message.includes("BUSYGROUP"))) throw err;
    }
  }

  /** Starts the read loop in the background: first this consumer's pending entries, then stale ones, then new ones. */
  start(): void {
    if (this.loop) return;
    this.loop = (async () => {
      for (let failures = 1; !this.stopping; failures++) {
        try {
          await this.ensureGroup();
          break;
        } catch (err) {
          this.log.error("cannot create the consumer group; retrying", { err, failures });
          await sleep(this.backoff(failures));
        }
      }
      this.log.info("events consumer started", { stream: this.stream, group: this.group, consumer: this.consumer });
      await this.run();
    })();
  }

  /** Finishes the entry in hand, acknowledges what was applied and returns. Safe to call more than once. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  /** Test only: stops dead, like a killed process — nothing more is applied or acknowledged. */
  kill(): void {
    this.killed = true;
    this.stopping = true;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.runOnce();
        failures = 0;
      } catch (err) {
        if (this.killed) break;
        failures += 1;
        if (err instanceof Error && err.message.includes("NOGROUP")) {
          // The stream or the group is gone (Redis flushed): recreate them; runners' new events land there.
          this.log.warn("consumer group missing, recreating it", { stream: this.stream, group: this.group });
          await this.ensureGroup().catch(() => undefined);
        } else {
          this.log.error("events loop failed; retrying", { err, failures });
        }
        await sleep(this.backoff(failures));
      }
    }
  }

  private backoff(attempt: number): number {
    return Math.min(this.o.retryBaseMs * 2 ** Math.max(0, attempt - 1), this.o.retryMaxMs);
  }

  /** One step of the loop; returns how many entries it handled. Exposed for tests. */
  async runOnce(): Promise<number> {
    if (Date.now() >= this.nextClaimAt) {
      await this.claimStale();
      this.nextClaimAt = Date.now() + this.o.claimEveryMs;
    }
    if (Date.now() >= this.nextMaintainAt) {
      this.nextMaintainAt = Date.now() + this.o.maintainEveryMs;
      await this.maintain().catch((err: unknown) => this.log.warn("stream maintenance failed", { err }));
    }
    let entries: StreamEntry[] = [];
    if (this.hasPending) {
      entries = await this.read("0");
      if (entries.length === 0) this.hasPending = false;
    }
    if (entries.length === 0 && !this.stopping) entries = await this.read(">");
    if (entries.length > 0) await this.handleBatch(entries);
    return entries.length;
  }

  /** Takes over entries that another (dead) consumer read but did not acknowledge for `claimMinIdleMs`. */
  private async claimStale(): Promise<void> {
    let cursor = "0-0";
    let claimed = 0;
    do {
      const reply = (await this.o.redis.xautoclaim(
        this.stream,
        this.group,
        this.consumer,
        this.o.claimMinIdleMs,
        cursor,
        "COUNT",
        this.o.batchSize,
      )) as [string, StreamEntry[], string[]?];
      cursor = reply[0];
      claimed += reply[1].length;
    } while (cursor !== "0-0" && !this.stopping);
    if (claimed > 0) {
      this.hasPending = true;
      this.log.info("claimed entries of an idle consumer", { claimed });
    }
  }

  /**
   * Keeps the stream bounded: removes entries older than `retentionMs` that every group of the stream has
   * read and acknowledged (never past a group's oldest pending entry or its last-delivered id), and deletes
   * consumers of this group that have been idle for `forgetConsumerAfterMs` with nothing pending.
   * Returns the MINID it trimmed to, or null when it trimmed nothing.
   */
  async maintain(): Promise<string | null> {
    const redis = this.o.redis;
    const consumers = ((await redis.xinfo("CONSUMERS", this.stream, this.group)) as unknown[][]).map(flatToRecord);
    for (const c of consumers) {
      const name = String(c.name);
      if (name !== this.consumer && Number(c.pending) === 0 && Number(c.idle) >= this.o.forgetConsumerAfterMs) {
        await redis.xgroup("DELCONSUMER", this.stream, this.group, name);
        this.log.info("forgot an idle consumer", { consumer: name });
      }
    }

    const groups = ((await redis.xinfo("GROUPS", this.stream)) as unknown[][]).map(flatToRecord);
    if (groups.length === 0) return null;
    let minId = `${Math.max(0, Date.now() - this.o.retentionMs)}-0`;
    for (const g of groups) {
      let needed = String(g["last-delivered-id"]);
      if (Number(g.pending) > 0) {
        const summary = (await redis.xpending(this.stream, String(g.name))) as [number, string | null, ...unknown[]];
        if (summary[1]) needed = summary[1];
      }
      if (compareIds(needed, minId) < 0) minId = needed;
    }
    if (compareIds(minId, "0-1") <= 0) return null;
    const removed = await redis.xtrim(this.stream, "MINID", minId);
    if (removed > 0) this.log.info("trimmed the events stream", { removed, minId });
    return minId;
  }

  private async read(id: "0" | ">"): Promise<StreamEntry[]> {
    const args: Array<string | number> = ["GROUP", this.group, this.consumer, "COUNT", this.o.batchSize];
    if (id === ">") args.push("BLOCK", this.o.blockMs);
    args.push("STREAMS", this.stream, id);
    return streamEntries(await this.o.redis.call("XREADGROUP", ...args), this.stream);
  }

  private async handleBatch(entries: StreamEntry[]): Promise<void> {
    const done: string[] = [];
    try {
      for (const [id, fields] of entries) {
        if (this.stopping) break;
        try {
          await this.handleEntry(id, fields);
          this.attempts.delete(id);
          done.push(id);
        } catch (err) {
          if (this.killed) return;
          // Keep the order: stop here, acknowledge what was applied, retry this entry (it stays pending).
          this.hasPending = true;
          const attempt = (this.attempts.get(id) ?? 0) + 1;
          this.attempts.set(id, attempt);
          if (attempt >= this.o.maxAttempts) {
            this.log.error("event failed too often; moved to the dead-letter stream", { entryId: id, attempt, err });
            await this.deadLetter(id, fields, `failed ${attempt} times: ${String(err)}`);
            this.attempts.delete(id);
            done.push(id);
            return;
          }
          this.log.warn("event failed; will retry", { entryId: id, attempt, err });
          await this.ackDone(done);
          done.length = 0;
          await sleep(this.backoff(attempt));
          return;
        }
      }
      if (this.stopping) this.hasPending = true;
    } finally {
      if (!this.killed) await this.ackDone(done);
    }
  }

  private async ackDone(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.o.redis.xack(this.stream, this.group, ...ids);
  }

  private async deadLetter(id: string, fields: string[] | null, reason: string): Promise<void> {
    await this.o.redis.xadd(
      this.o.deadLetterStream,
      "MAXLEN",
      "~",
      10_000,
      "*",
      "entryId",
      id,
      "reason",
      reason,
      ...(fields ?? []),
    );
  }

  /** Applies one entry; throws only for failures worth retrying (database or Redis unavailable…). */
  async handleEntry(id: string, fields: string[] | null): Promise<EntryOutcome> {
    if (fields === null) {
      this.log.warn("stream entry was deleted before it was read; skipped", { entryId: id });
      return "deleted";
    }
    const parsed = parseEntry(fields);
    if (!parsed.ok) {
      this.log.warn("malformed stream entry acknowledged without effect", { entryId: id, reason: parsed.reason });
      await this.deadLetter(id, fields, parsed.reason);
      return "malformed";
    }
    const event = parsed.event;
    // Blob reads happen before the transaction, never inside it (prefetch-blobs.ts).
    const storage = this.o.storage && (await prefetchSuccessDocuments(this.o.storage, event));
    // An augmentation's new version file is stored before the transaction that records its success and the version.
    const files = this.o.storage && { prisma: this.o.prisma, storage: this.o.storage };
    const prepared = files ? await prepareAugmentedVersion(files, event) : undefined;
    let result: ApplyResult | null;
    try {
      result = await this.o.prisma.$transaction(
        async (tx): Promise<ApplyResult | null> => {
          const inserted = await tx.processedEvent.createMany({
            data: [{ eventId: event.eventId }],
            skipDuplicates: true,
          });
          if (inserted.count === 0) return null;
          return applyRunnerEvent(tx, event, { maxMeteredGapMs: this.o.maxMeteredGapMs, storage, prepared });
        },
        { timeout: 30_000 },
      );
    } finally {
      if (files) await settleAugmentationEvent(files, event, prepared, this.log);
    }
    const meta = {
      entryId: id,
      eventId: event.eventId,
      type: event.type,
      jobId: "jobId" in event ? event.jobId : undefined,
    };
    let outcome: EntryOutcome;
    if (result === null) {
      this.log.debug("event already applied; skipped", meta);
      outcome = "duplicate";
    } else if (result.outcome === "ignored") {
      this.log.warn("event ignored", { ...meta, reason: result.reason });
      outcome = "ignored";
    } else {
      this.log.debug("event applied", meta);
      outcome = "applied";
    }
    if (this.killed) return outcome;
    for (const u of result?.updates ?? []) {
      // The database is the truth; a lost notice only delays a page refresh until the next one.
      await this.o.redis.publish(this.o.channel(u.jobId), JSON.stringify(u.message)).catch((err: unknown) => {
        this.log.warn("could not publish a job update", { jobId: u.jobId, err });
      });
    }
    await this.o.onCommitted?.(id, event, result);
    return outcome;
  }
}
