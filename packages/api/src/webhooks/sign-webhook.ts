/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, the scheme OpenAI's webhooks use):
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`, the HMAC key being the
 * base64-decoded part of the `whsec_` secret. Receivers verify with any Standard Webhooks library (or the OpenAI
 * SDK's `webhooks.unwrap`) and reject timestamps too far from now.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { WEBHOOK_SECRET_PREFIX } from "./webhook-secret";

const keyBytes = (secret: string) =>
  Buffer.from(secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret, "base64");

export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", keyBytes(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The headers of one delivery attempt. */
export function webhookHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "Whetstone-Webhooks/1",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": webhookSignature(secret, id, timestamp, body),
  };
}

/** Verifies a received delivery (for receivers written in TypeScript, and the tests): any `v1` signature of the
 *  space-separated list matching, within `toleranceS` of now. */
export function verifyWebhook(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowS = Math.floor(Date.now() / 1000),
  toleranceS = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowS - ts) > toleranceS) return false;
  const expected = Buffer.from(webhookSignature(secret, headers.id, ts, body));
  return headers.signature.split(" ").some((s) => {
    const got = Buffer.from(s);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
