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

/** Creates a team with the caller as its owner. The slug is derived from the name and kept unique. */
export async function createTeam(prisma: PrismaClient, userId: string, name: string) {
  const base = slugify(name);
  if (!base) throw new AppError("BAD_REQUEST", "a team name needs at least one letter or digit", { field: "name" });
  for (let i = 0; i < 20; i++) {
    const slug = i === 0 ? base : `${base}-${i + 1}`;
    const taken = await prisma.team.findUnique({ where: { slug }, select: { id: true } });
    if (taken) continue;
    return prisma.team.create({
      data: { name, slug, memberships: { create: { userId, role: "owner" } } },
    });
  }
  throw new AppError("CONFLICT", `too many teams are named like "${name}"`, { field: "name" });
}
