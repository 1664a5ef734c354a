/**
 * Webhook delivery, run by apps/worker (decision 0010):
 *
 * 1. `enqueueWebhookDeliveries` derives the events from the source of truth: every job of a team with an endpoint
 *    that reached succeeded / failed / cancelled after the endpoint was registered (within the last 7 days) gets one
 *    delivery row per endpoint, in one INSERT … ON CONFLICT DO NOTHING on (endpoint, job, type). Whatever path
 *    finished the job (a runner's event, an API cancel, the reconciler) it is found, and a second pass or a second
 *    worker adds nothing.
 * 2. `deliverDueWebhooks` claims due deliveries (FOR UPDATE SKIP LOCKED, with a lease so a crashed worker's claim
 *    comes back), POSTs each signed as Standard Webhooks says, and records the outcome: a 2xx is delivered; anything
 *    else is retried with exponential backoff until the last attempt, then marked failed. The event id
 *    (`webhook-id`) is the same on every attempt, so receivers can drop duplicates.
 */
import type { PrismaClient } from "@whetstone/db";
import { webhookHeaders } from "./sign-webhook";
import { decryptWebhookSecret } from "./webhook-secret";

export interface WebhookRetryPolicy {
  /** Delay before the 2nd attempt; each later one waits `factor` times longer, up to `maxDelayMs`. */
  baseDelayMs: number;
  factor: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/** 5 s, 20 s, 80 s, 5 min, 21 min, 1.4 h, 5.7 h, then 10 h: ten attempts over about a day and a half. */
export const DEFAULT_RETRY_POLICY: WebhookRetryPolicy = {
  baseDelayMs: 5_000,
  factor: 4,
  maxDelayMs: 10 * 3600_000,
  maxAttempts: 10,
};

/** The delay after attempt `attempts` (1-based) failed, ±10% jitter so retries of one outage spread out. */
export function retryDelayMs(attempts: number, policy: WebhookRetryPolicy, random = Math.random): number {
  const d = Math.min(policy.baseDelayMs * policy.factor ** Math.max(0, attempts - 1), policy.maxDelayMs);
  return Math.round(d * (0.9 + 0.2 * random()));
}

/** Jobs finished longer ago than this are not announced to an endpoint (a worker down for days does not flood it). */
export const WEBHOOK_LOOKBACK_DAYS = 7;

export async function enqueueWebhookDeliveries(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`
    INSERT INTO "WebhookDelivery" (id, "endpointId", "eventId", type, "jobId", payload, "nextAttemptAt", "createdAt")
    SELECT gen_random_uuid()::text, e.id, ev.id, ev.type, j.id,
           json_build_object('id', ev.id, 'object', 'event',
                             'created_at', floor(extract(epoch from j."finishedAt"))::bigint,
                             'type', ev.type, 'data', json_build_object('id', 'ftjob-' || j.id))::jsonb,
           now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
    FROM "WebhookEndpoint" e
    JOIN "FineTuneJob" j ON j."teamId" = e."teamId"
    CROSS JOIN LATERAL (SELECT 'evt_' || replace(gen_random_uuid()::text, '-', '') AS id,
                               'fine_tuning.job.' || j.state::text AS type) ev
    WHERE j.state IN ('succeeded', 'failed', 'cancelled')
      AND j."finishedAt" >= e."createdAt"
      AND j."finishedAt" > (now() AT TIME ZONE 'UTC') - make_interval(days => ${WEBHOOK_LOOKBACK_DAYS})
      AND (cardinality(e.events) = 0 OR ev.type = ANY(e.events))
    ON CONFLICT ("endpointId", "jobId", type) DO NOTHING`;
}

export interface DeliverOptions {
  secretKey: string;
  policy?: WebhookRetryPolicy;
  /** Deliveries claimed per pass. */
  batch?: number;
  timeoutMs?: number;
  /** A claimed delivery comes back to the pool after this long (its worker died mid-attempt). */
  leaseMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface DeliveryOutcome {
  id: string;
  status: "delivered" | "pending" | "failed";
  statusCode: number | null;
}

export async function deliverDueWebhooks(prisma: PrismaClient, o: DeliverOptions): Promise<DeliveryOutcome[]> {
  const policy = o.policy ?? DEFAULT_RETRY_POLICY;
  const now = o.now ?? (() => new Date());
  const leaseUntil = new Date(now().getTime() + (o.leaseMs ?? 60_000));
  const claimed = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE "WebhookDelivery" SET "nextAttemptAt" = ${leaseUntil}
    WHERE id IN (
      SELECT id FROM "WebhookDelivery"
      WHERE status = 'pending' AND "nextAttemptAt" <= ${now()}
      ORDER BY "nextAttemptAt" ASC
      LIMIT ${o.batch ?? 20}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`;
  const outcomes: DeliveryOutcome[] = [];
  for (const { id } of claimed) outcomes.push(await attempt(prisma, id, policy, o, now));
  return outcomes;
}

async function attempt(
  prisma: PrismaClient,
  id: string,
  policy: WebhookRetryPolicy,
  o: DeliverOptions,
  now: () => Date,
): Promise<DeliveryOutcome> {
  const d = await prisma.webhookDelivery.findUnique({
    where: { id },
    select: {
      eventId: true,
      payload: true,
      attempts: true,
      endpoint: { select: { url: true, secretCiphertext: true } },
    },
  });
  if (!d) return { id, status: "failed", statusCode: null };
  const body = JSON.stringify(d.payload);
  const attempts = d.attempts + 1;
  let statusCode: number | null = null;
  let error: string | null = null;
  try {
    const secret = decryptWebhookSecret(d.endpoint.secretCiphertext, o.secretKey);
    const res = await (o.fetch ?? fetch)(d.endpoint.url, {
      method: "POST",
      headers: webhookHeaders(secret, d.eventId, Math.floor(now().getTime() / 1000), body),
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    statusCode = res.status;
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) error = `the endpoint answered ${res.status}`;
  } catch (err) {
    // Never the secret: only what went wrong on the way.
    error = (err as Error).name === "TimeoutError" ? "no answer within the timeout" : (err as Error).message;
  }
  const at = now();
  if (!error) {
    await prisma.webhookDelivery.update({
      where: { id },
      data: {
        status: "delivered",
        attempts,
        lastAttemptAt: at,
        lastStatusCode: statusCode,
        lastError: null,
        deliveredAt: at,
      },
    });
    return { id, status: "delivered", statusCode };
  }
  const final = attempts >= policy.maxAttempts;
  await prisma.webhookDelivery.update({
    where: { id },
    data: {
      status: final ? "failed" : "pending",
      attempts,
      lastAttemptAt: at,
      lastStatusCode: statusCode,
      lastError: error.slice(0, 500),
      nextAttemptAt: new Date(at.getTime() + (final ? 0 : retryDelayMs(attempts, policy))),
    },
  });
  o.log?.(final ? "webhook delivery failed for good" : "webhook delivery failed; will retry", {
    deliveryId: id,
    attempts,
    statusCode,
    error,
  });
  return { id, status: final ? "failed" : "pending", statusCode };
}
