/**
 * Delivers webhooks (packages/api/src/webhooks, decision 0010): every `intervalMs`, finds the jobs that finished
 * since the last pass for teams with endpoints, then posts the deliveries that are due, retrying failures with
 * exponential backoff. Several workers may run it at once: deliveries are claimed with SKIP LOCKED.
 */
import {
  DEFAULT_RETRY_POLICY,
  deliverDueWebhooks,
  enqueueWebhookDeliveries,
  type WebhookRetryPolicy,
} from "@whetstone/api/webhooks";
import type { PrismaClient } from "@whetstone/db";
import type { Logger } from "./logger";

export interface WebhookDispatcherOptions {
  prisma: PrismaClient;
  logger: Logger;
  /** WEBHOOK_SECRET_KEY; without it nothing is delivered (no endpoint can have been registered either). */
  secretKey: string | undefined;
  intervalMs: number;
  policy?: Partial<WebhookRetryPolicy>;
  fetch?: typeof fetch;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private warned = false;

  constructor(private readonly o: WebhookDispatcherOptions) {}

  start(): void {
    const tick = () => {
      this.running = this.runOnce()
        .catch((err: unknown) => this.o.logger.error("webhook pass failed", { err }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs);
        });
    };
    tick();
  }

  async runOnce(): Promise<void> {
    if (!this.o.secretKey) {
      if (!this.warned && (await this.o.prisma.webhookEndpoint.count()) > 0) {
        this.warned = true;
        this.o.logger.error("webhook endpoints exist but WEBHOOK_SECRET_KEY is not set: nothing is delivered");
      }
      return;
    }
    await enqueueWebhookDeliveries(this.o.prisma);
    // Drain what is due, a batch at a time, so a burst of finished jobs does not wait a pass per batch.
    for (let i = 0; i < 10 && !this.stopped; i++) {
      const done = await deliverDueWebhooks(this.o.prisma, {
        secretKey: this.o.secretKey,
        policy: { ...DEFAULT_RETRY_POLICY, ...this.o.policy },
        fetch: this.o.fetch,
        log: (message, fields) => this.o.logger.warn(message, fields),
      });
      if (done.length === 0) break;
    }
  }

  /** Lets the pass in progress finish. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
