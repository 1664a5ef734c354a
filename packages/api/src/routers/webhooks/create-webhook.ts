import { teamWriteProcedure } from "../../trpc";
import { createWebhookEndpoint } from "../../webhooks/create-webhook-endpoint";
import { createWebhookInput, createWebhookMeta, createWebhookOutput } from "./webhooks.types";

export const createWebhookRoute = teamWriteProcedure
  .meta(createWebhookMeta)
  .input(createWebhookInput)
  .output(createWebhookOutput)
  .mutation(({ ctx, input }) =>
    createWebhookEndpoint(
      ctx.prisma,
      { teamId: ctx.team.id, userId: ctx.caller.userId },
      input,
      ctx.deps.config.webhookSecretKey,
    ),
  );
