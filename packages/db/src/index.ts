export { createPrismaClient, PrismaClient } from "./client";
export * from "./generated/enums";
export type * from "./generated/models";
export { Prisma } from "./generated/client";
