/**
 * The worker's configuration: the only place that reads process.env, validated at start-up so a wrong value
 * stops the process with a message naming the variable instead of failing later.
 */
import { existsSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { RUNNER_OFFLINE_AFTER_MS } from "@whetstone/queue";

const ms = (def: number) => z.coerce.number().int().positive().default(def);

export const envSchema = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
    .default("redis://127.0.0.1:6379"),
  /** Blob storage shared with web and runners (file:///dir or s3://bucket/prefix). */
  STORAGE_URL: z.string().regex(/^(file|s3):\/\//, "must be a file:// or s3:// URL"),
  /** S3-compatible storage (STORAGE_URL s3://…): endpoint (MinIO…), region and credentials, as for the web app. */
  S3_ENDPOINT_URL: z.string().url().optional(),
  S3_REGION: z.string().optional(),
  AWS_ACCESS_KEY_ID: z.string().optional(),
  AWS_SECRET_ACCESS_KEY: z.string().optional(),
  /** Consumer name in the events group; stable across restarts so a restarted worker re-reads what it had in hand. */
  WORKER_NAME: z.string().min(1).default(hostname()),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Entries read per XREADGROUP, and how long one read blocks. */
  EVENTS_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  EVENTS_BLOCK_MS: ms(1_000),
  /** Entries left unacknowledged this long by another consumer are taken over (that worker is presumed dead). */
  EVENTS_CLAIM_IDLE_MS: ms(60_000),
  /** Seconds between runner heartbeats (the runner's HEARTBEAT_SECONDS); a gap up to twice this is metered. */
  HEARTBEAT_SECONDS: z.coerce.number().positive().default(5),
  RECONCILE_INTERVAL_MS: ms(5_000),
  /** A runner silent this long is offline and its running job goes back to the queue (default: the contract's). */
  RUNNER_OFFLINE_AFTER_MS: ms(RUNNER_OFFLINE_AFTER_MS),
  /** How long a queued job's BullMQ job may sit completed/failed before the reconciler re-adds it. */
  REQUEUE_GRACE_MS: ms(60_000),
  /** How often the storage sweeper looks for what killed uploads left behind (orphan dataset blobs, partial files). */
  STORAGE_SWEEP_INTERVAL_MS: ms(3600_000),
  /** How long a partial file must be untouched, or a dataset blob unreferenced, before the sweeper removes it. */
  STORAGE_SWEEP_AFTER_MS: ms(24 * 3600_000),
  /** Decrypts webhook signing secrets; the same value as the web app's. Unset: no webhook is delivered. */
  WEBHOOK_SECRET_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  /** How often finished jobs are turned into webhook deliveries and due deliveries are sent. */
  WEBHOOK_INTERVAL_MS: ms(2_000),
  /** Delay before a failed delivery's second attempt; each later one waits 4 times longer (up to 10 h). */
  WEBHOOK_RETRY_BASE_MS: ms(5_000),
});
export type Env = z.infer<typeof envSchema>;

/** Loads `.env` from the repository root for local runs (`npm start -w @whetstone/worker`); real env wins. */
function loadDotEnv(): void {
  const file = fileURLToPath(new URL("../../../.env", import.meta.url));
  if (existsSync(file)) process.loadEnvFile(file);
}

export function loadEnv(source?: Record<string, string | undefined>): Env {
  if (!source) loadDotEnv();
  const values = Object.fromEntries(Object.entries(source ?? process.env).filter(([, v]) => v !== ""));
  const result = envSchema.safeParse(values);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`invalid worker configuration:\n${problems}`);
  }
  return result.data;
}
