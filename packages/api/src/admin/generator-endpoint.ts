/**
 * The OpenAI-compatible endpoint an instance admin configures for augmentations that generate rows (decision 0009):
 * base URL, model name and API key. The key is stored AES-256-GCM encrypted under WEBHOOK_SECRET_KEY (the helper of
 * webhook secrets), never logged nor returned — only whether one is set and its last 4 characters. It is decrypted
 * only to build an augment job's payload (generatorEndpointForPayload).
 */
import type { PrismaClient } from "@whetstone/db";
import { audit } from "../audit/audit";
import { AppError } from "../errors";
import type { ApiConfig } from "../trpc";
import { decryptWebhookSecret, encryptWebhookSecret, requireWebhookSecretKey } from "../webhooks/webhook-secret";

const ID = "default";

export interface GeneratorEndpointInput {
  baseUrl: string;
  model: string;
  /** A new key; undefined keeps the stored one, null removes it (an endpoint that takes no key). */
  apiKey?: string | null;
}

/** What the admin console shows: never the key. */
export async function getGeneratorEndpoint(prisma: PrismaClient) {
  const e = await prisma.generatorEndpoint.findUnique({ where: { id: ID } });
  if (!e)
    return {
      configured: false as const,
      baseUrl: null,
      model: null,
      apiKeySet: false,
      apiKeyLast4: null,
      updatedAt: null,
    };
  return {
    configured: true as const,
    baseUrl: e.baseUrl,
    model: e.model,
    apiKeySet: e.apiKeyEncrypted !== null,
    apiKeyLast4: e.apiKeyLast4,
    updatedAt: e.updatedAt,
  };
}

function checkBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new AppError("BAD_REQUEST", `baseUrl: "${raw}" is not a URL (e.g. https://api.example.com/v1)`, {
      field: "baseUrl",
    });
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AppError("BAD_REQUEST", "baseUrl: only http:// and https:// endpoints are supported", {
      field: "baseUrl",
    });
  }
  if (url.username || url.password) {
    throw new AppError("BAD_REQUEST", "baseUrl: put the API key in its own field, not in the URL", {
      field: "baseUrl",
    });
  }
  return url.toString().replace(/\/+$/, "");
}

export async function setGeneratorEndpoint(
  deps: { prisma: PrismaClient; config: ApiConfig },
  actorUserId: string,
  input: GeneratorEndpointInput,
) {
  const baseUrl = checkBaseUrl(input.baseUrl);
  const model = input.model.trim();
  if (!model)
    throw new AppError("BAD_REQUEST", "model: the model name the endpoint serves is required", { field: "model" });
  const key = input.apiKey?.trim();
  if (input.apiKey !== undefined && input.apiKey !== null && !key) {
    throw new AppError("BAD_REQUEST", "apiKey: empty; leave it out to keep the stored key, or null to remove it", {
      field: "apiKey",
    });
  }
  const secret = key ? encryptWebhookSecret(key, requireWebhookSecretKey(deps.config.webhookSecretKey)) : undefined;
  const keyData =
    input.apiKey === undefined
      ? {}
      : key
        ? { apiKeyEncrypted: secret!, apiKeyLast4: key.slice(-4) }
        : { apiKeyEncrypted: null, apiKeyLast4: null };
  await deps.prisma.$transaction(async (tx) => {
    await tx.generatorEndpoint.upsert({
      where: { id: ID },
      create: { id: ID, baseUrl, model, updatedById: actorUserId, ...keyData },
      update: { baseUrl, model, updatedById: actorUserId, ...keyData },
    });
    await audit(tx, {
      action: "generator_endpoint.set",
      actorUserId,
      teamId: null,
      targetType: "generator_endpoint",
      targetId: ID,
      // Never the key: only whether it changed.
      details: { baseUrl, model, apiKey: input.apiKey === undefined ? "kept" : key ? "set" : "removed" },
    });
  });
  return getGeneratorEndpoint(deps.prisma);
}

export async function clearGeneratorEndpoint(deps: { prisma: PrismaClient }, actorUserId: string) {
  await deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.generatorEndpoint.deleteMany({ where: { id: ID } });
    if (count) {
      await audit(tx, {
        action: "generator_endpoint.cleared",
        actorUserId,
        teamId: null,
        targetType: "generator_endpoint",
        targetId: ID,
      });
    }
  });
  return getGeneratorEndpoint(deps.prisma);
}

/** The endpoint as an augment job's payload carries it (the key decrypted), or null when none is configured. */
export async function generatorEndpointForPayload(
  prisma: PrismaClient,
  config: Pick<ApiConfig, "webhookSecretKey"> | undefined,
): Promise<{ baseUrl: string; model: string; apiKey: string | null } | null> {
  const e = await prisma.generatorEndpoint.findUnique({ where: { id: ID } });
  if (!e) return null;
  if (!e.apiKeyEncrypted) return { baseUrl: e.baseUrl, model: e.model, apiKey: null };
  const secretKey = config?.webhookSecretKey;
  if (!secretKey) throw new Error("WEBHOOK_SECRET_KEY is not set here, so the endpoint's API key cannot be read");
  return { baseUrl: e.baseUrl, model: e.model, apiKey: decryptWebhookSecret(e.apiKeyEncrypted, secretKey) };
}
