import { randomBytes } from "node:crypto";
import type { PrismaClient } from "@whetstone/db";
import { AppError } from "../errors";

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
}

/**
 * Creates a team with the caller as its owner. The slug is derived from the name and kept unique: `name`, `name-2`…,
 * then a random suffix. A name with no Latin letter or digit ("研究", "🚀") gets the slug `team`: every name the
 * API accepts makes a team.
 */
export async function createTeam(prisma: PrismaClient, userId: string, name: string) {
  const base = slugify(name) || "team";
  for (let i = 0; i < 25; i++) {
    const slug = i === 0 ? base : i < 20 ? `${base}-${i + 1}` : `${base}-${randomBytes(3).toString("hex")}`;
    const taken = await prisma.team.findUnique({ where: { slug }, select: { id: true } });
    if (taken) continue;
    return prisma.team.create({
      data: { name, slug, memberships: { create: { userId, role: "owner" } } },
    });
  }
  throw new AppError("CONFLICT", `too many teams are named like "${name}"`, { field: "name" });
}
