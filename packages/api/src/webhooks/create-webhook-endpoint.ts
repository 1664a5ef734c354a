import type { PrismaClient } from "@whetstone/db";
import { audit } from "../audit/audit";
import { AppError } from "../errors";
import type { CreateWebhookEndpointInput } from "./webhook-endpoints.types";
import { encryptWebhookSecret, generateWebhookSecret, requireWebhookSecretKey } from "./webhook-secret";

/** Endpoints a team may register: enough for a few receivers, not a fan-out service. */
export const MAX_WEBHOOK_ENDPOINTS = 10;

/** Registers an endpoint and answers its signing secret, the only time it is shown. */
export async function createWebhookEndpoint(
  prisma: PrismaClient,
  actor: { teamId: string; userId: string },
  input: CreateWebhookEndpointInput,
  secretKey: string | null | undefined,
) {
  const key = requireWebhookSecretKey(secretKey);
  const count = await prisma.webhookEndpoint.count({ where: { teamId: actor.teamId } });
  if (count >= MAX_WEBHOOK_ENDPOINTS) {
    throw new AppError("BAD_REQUEST", `a team may register at most ${MAX_WEBHOOK_ENDPOINTS} webhook endpoints`, {
      field: "url",
    });
  }
  const secret = generateWebhookSecret();
  const endpoint = await prisma.webhookEndpoint.create({
    data: {
      teamId: actor.teamId,
      url: input.url,
      events: [...new Set(input.events)],
      secretCiphertext: encryptWebhookSecret(secret, key),
      createdById: actor.userId,
    },
    select: { id: true, url: true, events: true, createdAt: true },
  });
  await audit(prisma, {
    action: "webhook.created",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "webhook",
    targetId: endpoint.id,
    details: { url: endpoint.url, events: endpoint.events },
  });
  return { ...endpoint, secret };
}
