import type { PrismaClient } from "@whetstone/db";

/** The team's endpoints (never their secrets), each with its most recent deliveries, newest first. */
export async function listWebhookEndpoints(prisma: PrismaClient, teamId: string, deliveriesPerEndpoint = 10) {
  const endpoints = await prisma.webhookEndpoint.findMany({
    where: { teamId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      url: true,
      events: true,
      createdAt: true,
      deliveries: {
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: deliveriesPerEndpoint,
        select: {
          id: true,
          eventId: true,
          type: true,
          jobId: true,
          status: true,
          attempts: true,
          lastStatusCode: true,
          lastError: true,
          lastAttemptAt: true,
          nextAttemptAt: true,
          deliveredAt: true,
          createdAt: true,
        },
      },
    },
  });
  return endpoints;
}
