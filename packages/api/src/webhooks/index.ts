/** Webhooks (decision 0010), for apps/worker's delivery loop and receivers' tests: `@whetstone/api/webhooks`. */
export {
  DEFAULT_RETRY_POLICY,
  deliverDueWebhooks,
  enqueueWebhookDeliveries,
  retryDelayMs,
  WEBHOOK_LOOKBACK_DAYS,
  type DeliverOptions,
  type DeliveryOutcome,
  type WebhookRetryPolicy,
} from "./deliver-webhooks";
export { verifyWebhook, webhookHeaders, webhookSignature } from "./sign-webhook";
export { decryptWebhookSecret, encryptWebhookSecret, generateWebhookSecret } from "./webhook-secret";
export { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "./webhook-endpoints.types";
