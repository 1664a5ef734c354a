import type { Prisma, PrismaClient } from "@whetstone/db";

/** Arbitrary constant: the advisory lock serializing user creation, so exactly one user is ever "the first". */
const USER_CREATION_LOCK = 727_100_001;

/** Runs `fn` in a transaction that holds the user-creation lock; `isFirst` is true when no user exists yet. */
export async function withFirstUserLock<T>(
  prisma: PrismaClient,
  fn: (tx: Prisma.TransactionClient, isFirst: boolean) => Promise<T>,
): Promise<T> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(${USER_CREATION_LOCK})`);
    const isFirst = (await tx.user.count()) === 0;
    return fn(tx, isFirst);
  });
}
