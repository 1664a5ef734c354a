import argon2 from "argon2";
import type { PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";
import { withFirstUserLock } from "./first-user";

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export interface SignUpInput {
  email: string;
  password: string;
  name?: string | null;
}

/** Creates a user with a password. The first user of an instance becomes its admin. */
export async function signUp(prisma: PrismaClient, input: SignUpInput) {
  const email = normalizeEmail(input.email);
  if (!EMAIL_RE.test(email))
    throw new AppError("BAD_REQUEST", `"${input.email}" is not an email address`, { field: "email" });
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("BAD_REQUEST", `the password needs at least ${MIN_PASSWORD_LENGTH} characters`, {
      field: "password",
      limit: MIN_PASSWORD_LENGTH,
    });
  }
  if (input.password.length > MAX_PASSWORD_LENGTH) {
    throw new AppError("BAD_REQUEST", `the password may have at most ${MAX_PASSWORD_LENGTH} characters`, {
      field: "password",
      limit: MAX_PASSWORD_LENGTH,
    });
  }
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;
  return withFirstUserLock(prisma, async (tx, isFirst) => {
    const taken = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (taken) throw new AppError("CONFLICT", `an account with the email ${email} already exists`, { field: "email" });
    return tx.user.create({
      data: { email, name, passwordHash, isAdmin: isFirst },
      select: { id: true, email: true, name: true, isAdmin: true, createdAt: true },
    });
  });
}
