/**
 * Webhook signing secrets (Standard Webhooks: `whsec_` + base64 of 24 random bytes). The sender must know the
 * secret to sign, so it cannot be hashed like an API key: it is kept encrypted with AES-256-GCM under a key derived
 * from WEBHOOK_SECRET_KEY (which web and worker share and the database never sees), shown once at creation and never
 * logged or returned again.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { AppError } from "../errors";

export const WEBHOOK_SECRET_PREFIX = "whsec_";

export function generateWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(24).toString("base64");
}

const keyOf = (secretKey: string) => createHash("sha256").update(secretKey, "utf8").digest();

/** `v1.<iv>.<tag>.<ciphertext>`, each base64. */
export function encryptWebhookSecret(secret: string, secretKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secretKey), iv);
  const ciphertext = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return ["v1", iv, cipher.getAuthTag(), ciphertext]
    .map((p) => (typeof p === "string" ? p : p.toString("base64")))
    .join(".");
}

export function decryptWebhookSecret(stored: string, secretKey: string): string {
  const [version, iv, tag, ciphertext] = stored.split(".");
  if (version !== "v1" || !iv || !tag || !ciphertext) throw new Error("not an encrypted webhook secret");
  const decipher = createDecipheriv("aes-256-gcm", keyOf(secretKey), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString("utf8");
}

/** The key both processes need; a missing one is a clear 412 rather than a secret stored in the clear. */
export function requireWebhookSecretKey(secretKey: string | null | undefined): string {
  if (secretKey && secretKey.length >= 32) return secretKey;
  throw new AppError(
    "PRECONDITION_FAILED",
    "webhooks need WEBHOOK_SECRET_KEY (at least 32 characters, the same for web and worker) to keep their signing " +
      "secrets encrypted; ask the instance admin to set it",
    { field: "WEBHOOK_SECRET_KEY" },
  );
}
