import { teamWriteProcedure } from "../../trpc";
import { deleteWebhookEndpoint } from "../../webhooks/delete-webhook-endpoint";
import { deleteWebhookInput, deleteWebhookMeta, deleteWebhookOutput } from "./webhooks.types";

export const deleteWebhookRoute = teamWriteProcedure
  .meta(deleteWebhookMeta)
  .input(deleteWebhookInput)
  .output(deleteWebhookOutput)
  .mutation(({ ctx, input }) =>
    deleteWebhookEndpoint(ctx.prisma, { teamId: ctx.team.id, userId: ctx.caller.userId }, input.id),
  );
