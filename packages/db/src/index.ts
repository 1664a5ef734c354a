export { createPrismaClient, DatabaseUnavailableError, PrismaClient, queryRows } from "./client";
export * from "./generated/enums";
export type * from "./generated/models";
export { Prisma } from "./generated/client";
