/** Reading the events stream's replies and entries: ids, the XREADGROUP reply shapes, an entry as a runner event. */
import { z } from "zod";
import { runnerEventSchema, type RunnerEvent } from "@whetstone/queue";

export type StreamEntry = [id: string, fields: string[] | null];

/**
 * The entries of one stream in an XREADGROUP reply. RESP2 answers `[[key, entries]]`; RESP3 (ioredis 6's
 * default) answers a map, which ioredis flattens to `[key, entries]`.
 */
export function streamEntries(reply: unknown, stream: string): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === "string" || Buffer.isBuffer(reply[0])) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (String(reply[i]) === stream) return reply[i + 1] as StreamEntry[];
    return [];
  }
  const pair = (reply as Array<[string, StreamEntry[]]>).find(([key]) => String(key) === stream);
  return pair?.[1] ?? [];
}

export function flatToRecord(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** Orders two stream ids ("ms-seq"). */
export function compareIds(a: string, b: string): number {
  const [am = "0", as = "0"] = a.split("-");
  const [bm = "0", bs = "0"] = b.split("-");
  const d = BigInt(am) - BigInt(bm) || BigInt(as) - BigInt(bs);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

type Parsed = { ok: true; event: RunnerEvent } | { ok: false; reason: string };

/** Reads the `data` field of an entry as a runner event; says why when it is not one. */
export function parseEntry(fields: string[]): Parsed {
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === "data") data = fields[i + 1];
  if (data === undefined) return { ok: false, reason: 'no "data" field' };
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch (err) {
    return { ok: false, reason: `"data" is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const result = runnerEventSchema.safeParse(json);
  if (!result.success)
    return { ok: false, reason: `not a runner event: ${z.prettifyError(result.error).replace(/\n/g, "; ")}` };
  return { ok: true, event: result.data };
}
