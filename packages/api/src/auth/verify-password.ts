import argon2 from "argon2";
import type { PrismaClient } from "@whetstone/db";
import { hashPassword, normalizeEmail } from "./sign-up";

let dummyHash: Promise<string> | null = null;

/** The user whose password this is, or null. Takes as long for an unknown email as for a wrong password. */
export async function verifyPassword(prisma: PrismaClient, email: string, password: string) {
  const user = await prisma.user.findUnique({
    where: { email: normalizeEmail(email) },
    select: { id: true, email: true, name: true, isAdmin: true, passwordHash: true },
  });
  if (!user?.passwordHash) {
    dummyHash ??= hashPassword("not-a-real-password");
    await argon2.verify(await dummyHash, password).catch(() => false);
    return null;
  }
  const ok = await argon2.verify(user.passwordHash, password).catch(() => false);
  if (!ok) return null;
  const { passwordHash: _, ...rest } = user;
  return rest;
}
