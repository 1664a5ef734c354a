/**
 * Prints a fresh admin API key of the seeded admin's first team, for the API fuzz run (tests/api-fuzz/run.sh).
 * Needs DATABASE_URL with the migrations applied and `prisma/seed.ts` run (the admin and the "demo" team).
 */
import { createApiKey } from "@whetstone/api";
import { createPrismaClient } from "@whetstone/db";

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL is not set");
const prisma = createPrismaClient(url);
try {
  const admin = await prisma.user.findFirst({ where: { isAdmin: true }, orderBy: { createdAt: "asc" } });
  if (!admin) throw new Error("no instance admin: run prisma/seed.ts first");
  const membership = await prisma.membership.findFirst({ where: { userId: admin.id, role: "owner" } });
  if (!membership) throw new Error(`${admin.email} owns no team: run prisma/seed.ts first`);
  const { key } = await createApiKey(
    prisma,
    { teamId: membership.teamId, userId: admin.id, role: "owner", isAdmin: true },
    { name: `api-fuzz ${new Date().toISOString()}`, role: "owner", isAdmin: true },
  );
  process.stdout.write(`${key}\n`);
} finally {
  await prisma.$disconnect();
}
