import { z } from "zod";

/** The events a team can subscribe to: a fine-tuning job reached a final state (OpenAI's names). */
export const WEBHOOK_EVENT_TYPES = [
  "fine_tuning.job.succeeded",
  "fine_tuning.job.failed",
  "fine_tuning.job.cancelled",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const createWebhookEndpointInput = z.object({
  url: z
    .string()
    .trim()
    .max(2000)
    .url()
    .refine((u) => /^https?:\/\//i.test(u), "the URL must start with https:// (or http:// on a private network)"),
  /** Empty or left out: every event type. */
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).max(WEBHOOK_EVENT_TYPES.length).default([]),
});
export type CreateWebhookEndpointInput = z.infer<typeof createWebhookEndpointInput>;
