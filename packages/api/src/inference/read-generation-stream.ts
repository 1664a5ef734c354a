/**
 * Reads the token stream of one `generate` request (the contract's `generationStream`) with a blocking XREAD from
 * the first entry on, so a reader that starts a moment after the runner still gets every token. Yields the parsed
 * entries and ends after the `done` or `error` entry. A stream rather than pub/sub: see decision 0007.
 */
import type { Redis } from "ioredis";
import { KEY_PREFIX, REDIS_KEYS, redisKey } from "@whetstone/queue";
import { generationEntrySchema, type GenerationEntry } from "./generate-request";

/** Nothing came: no runner took the request (none online, or all busy), or the runner went silent. */
export class GenerationTimeoutError extends Error {
  constructor(
    readonly requestId: string,
    readonly waitedMs: number,
    readonly started: boolean,
  ) {
    const s = (waitedMs / 1000).toFixed(waitedMs < 10_000 ? 1 : 0);
    super(
      started
        ? `the runner stopped answering: nothing for ${s} s`
        : `no runner answered within ${s} s — is a runner online and serving the inference queue?`,
    );
    this.name = "GenerationTimeoutError";
  }
}

/** The runner answered with an `error` entry (the model did not load, the request expired…). */
export class GenerationFailedError extends Error {
  constructor(
    readonly requestId: string,
    message: string,
  ) {
    super(message);
    this.name = "GenerationFailedError";
  }
}

export interface ReadGenerationOptions {
  /** Longest wait for the first entry (the runner may have to load the model first). */
  firstEntryTimeoutMs?: number;
  /** Longest wait between two entries once the runner has started. */
  idleTimeoutMs?: number;
  /** Stops reading (the caller went away); the generator then returns without an error. */
  signal?: AbortSignal;
  /** Redis key prefix (tests isolate themselves with their own). */
  prefix?: string;
  /** How long one XREAD blocks at most, so an abort is noticed. */
  blockMs?: number;
  /** Seconds the stream is kept after the last entry was read (the runner may set its own expiry too). */
  keepSeconds?: number;
}

export const FIRST_ENTRY_TIMEOUT_MS = 90_000;
export const IDLE_TIMEOUT_MS = 60_000;

export const generationStreamKey = (requestId: string, prefix: string = KEY_PREFIX) =>
  redisKey(REDIS_KEYS.generationStream, { jobId: requestId }, prefix);

/**
 * `redis` must be a connection of its own: XREAD BLOCK holds it. Malformed entries are skipped with a warning
 * (a newer runner may add entry types); everything else is yielded as written.
 */
export async function* readGenerationStream(
  redis: Redis,
  requestId: string,
  opts: ReadGenerationOptions = {},
): AsyncGenerator<GenerationEntry, void, undefined> {
  const key = generationStreamKey(requestId, opts.prefix);
  const firstTimeout = opts.firstEntryTimeoutMs ?? FIRST_ENTRY_TIMEOUT_MS;
  const idleTimeout = opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS;
  const blockMs = opts.blockMs ?? 1000;
  let lastId = "0-0";
  let started = false;
  let lastEntryAt = Date.now();

  while (!opts.signal?.aborted) {
    const limit = started ? idleTimeout : firstTimeout;
    const left = limit - (Date.now() - lastEntryAt);
    if (left <= 0) throw new GenerationTimeoutError(requestId, limit, started);
    const res = (await redis.xread(
      "COUNT",
      256,
      "BLOCK",
      Math.max(1, Math.min(blockMs, left)),
      "STREAMS",
      key,
      lastId,
    )) as [string, [string, string[]][]][] | null;
    if (!res) continue;
    for (const [id, fields] of res[0]?.[1] ?? []) {
      lastId = id;
      lastEntryAt = Date.now();
      started = true;
      const entry = parseEntry(fields);
      if (!entry) continue;
      yield entry;
      if (entry.type === "done" || entry.type === "error") {
        if (opts.keepSeconds !== 0) await redis.expire(key, opts.keepSeconds ?? 60).catch(() => undefined);
        return;
      }
    }
  }
}

function parseEntry(fields: string[]): GenerationEntry | null {
  const i = fields.indexOf("data");
  const raw = i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
  try {
    const parsed = generationEntrySchema.safeParse(JSON.parse(raw ?? "null"));
    if (parsed.success) return parsed.data;
  } catch {
    /* not JSON: reported below */
  }
  console.warn(`[generate] skipped a stream entry that does not match the format: ${String(raw).slice(0, 200)}`);
  return null;
}
