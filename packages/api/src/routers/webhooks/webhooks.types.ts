import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { createWebhookEndpointInput, WEBHOOK_EVENT_TYPES } from "../../webhooks/webhook-endpoints.types";

const deliveryOutput = z.object({
  id: z.string(),
  eventId: z.string(),
  type: z.string(),
  jobId: z.string(),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.date().nullable(),
  nextAttemptAt: z.date(),
  deliveredAt: z.date().nullable(),
  createdAt: z.date(),
});

const endpointOutput = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  createdAt: z.date(),
});

export const listWebhooksMeta = {
  openapi: {
    method: "GET",
    path: "/webhooks",
    tags: ["Webhooks"],
    summary: "The team's webhook endpoints (never their secrets) with their most recent deliveries",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listWebhooksInput = z.void();
export const listWebhooksOutput = z.array(endpointOutput.extend({ deliveries: z.array(deliveryOutput) }));

export const createWebhookMeta = {
  openapi: {
    method: "POST",
    path: "/webhooks",
    tags: ["Webhooks"],
    summary: `Register an endpoint for ${WEBHOOK_EVENT_TYPES.join(", ")}; its whsec_ signing secret is shown in this answer only`,
    protect: true,
  },
  successStatus: 201,
} satisfies OpenApiMeta;
export const createWebhookInput = createWebhookEndpointInput;
export const createWebhookOutput = endpointOutput.extend({ secret: z.string() });

export const deleteWebhookMeta = {
  openapi: {
    method: "DELETE",
    path: "/webhooks/{id}",
    tags: ["Webhooks"],
    summary: "Remove a webhook endpoint and its delivery log",
    protect: true,
  },
} satisfies OpenApiMeta;
export const deleteWebhookInput = z.object({ id: z.string().min(1) });
export const deleteWebhookOutput = z.object({ id: z.string() });
