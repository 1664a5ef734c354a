import { teamProcedure } from "../../trpc";
import { listWebhookEndpoints } from "../../webhooks/list-webhook-endpoints";
import { listWebhooksInput, listWebhooksMeta, listWebhooksOutput } from "./webhooks.types";

export const listWebhooksRoute = teamProcedure
  .meta(listWebhooksMeta)
  .input(listWebhooksInput)
  .output(listWebhooksOutput)
  .query(({ ctx }) => listWebhookEndpoints(ctx.prisma, ctx.team.id));
