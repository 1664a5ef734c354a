import { router } from "../../trpc";
import { createWebhookRoute } from "./create-webhook";
import { deleteWebhookRoute } from "./delete-webhook";
import { listWebhooksRoute } from "./list-webhooks";

export const webhooksRouter = router({
  list: listWebhooksRoute,
  create: createWebhookRoute,
  delete: deleteWebhookRoute,
});
