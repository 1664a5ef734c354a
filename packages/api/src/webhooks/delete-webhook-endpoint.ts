import type { PrismaClient } from "@whetstone/db";
import { audit } from "../audit/audit";
import { notFound } from "../errors";

/** Removes an endpoint and its delivery log; deliveries in flight are dropped. */
export async function deleteWebhookEndpoint(
  prisma: PrismaClient,
  actor: { teamId: string; userId: string },
  id: string,
): Promise<{ id: string }> {
  const { count } = await prisma.webhookEndpoint.deleteMany({ where: { id, teamId: actor.teamId } });
  if (count === 0) throw notFound(`webhook endpoint "${id}"`);
  await audit(prisma, {
    action: "webhook.deleted",
    actorUserId: actor.userId,
    teamId: actor.teamId,
    targetType: "webhook",
    targetId: id,
  });
  return { id };
}
