import type { PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import { withFirstUserLock } from "./first-user";
import { normalizeEmail } from "./sign-up";

/** The user behind an OIDC sign-in, created on first sign-in (the first user of an instance becomes its admin). */
export async function upsertOidcUser(prisma: PrismaClient, input: { email: string; name?: string | null }) {
  const email = normalizeEmail(input.email);
  if (!email) throw new AppError("BAD_REQUEST", "the identity provider sent no email", { field: "email" });
  const name = input.name?.trim() || null;
  const select = { id: true, email: true, name: true, isAdmin: true } as const;
  const existing = await prisma.user.findUnique({ where: { email }, select });
  if (existing) {
    if (name && !existing.name) return prisma.user.update({ where: { id: existing.id }, data: { name }, select });
    return existing;
  }
  return withFirstUserLock(prisma, async (tx, isFirst) => {
    const raced = await tx.user.findUnique({ where: { email }, select });
    return raced ?? tx.user.create({ data: { email, name, isAdmin: isFirst }, select });
  });
}
