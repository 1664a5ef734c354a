/**
 * Idempotent seed: the first instance admin (password printed once, on creation), a "Demo" team they own, and
 * the offline base models the quickstart builds (the tiny Llama, and SmolLM2-135M-Instruct when converted). Run by
 * `npm run quickstart`; `npm run db:seed` alone too.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import argon2 from "argon2";
import { createPrismaClient, type PrismaClient } from "@whetstone/db";

export async function seedAdmin(prisma: PrismaClient, email: string) {
  const existing = await prisma.user.findUnique({ where: { email } });
  if (existing) return { user: existing, password: null };
  const password = randomBytes(12).toString("base64url");
  const user = await prisma.user.create({
    data: { email, name: "Admin", isAdmin: true, passwordHash: await argon2.hash(password, { type: argon2.argon2id }) },
  });
  return { user, password };
}

export async function seedDemoTeam(prisma: PrismaClient, ownerId: string) {
  return prisma.team.upsert({
    where: { slug: "demo" },
    update: {},
    create: { slug: "demo", name: "Demo", memberships: { create: { userId: ownerId, role: "owner" } } },
  });
}

/** The tiny Llama built offline from a config; instance-wide (teamId null). */
export async function seedTinyModel(prisma: PrismaClient, dir: string) {
  const name = "tiny-llama (offline demo)";
  const found = await prisma.baseModel.findFirst({ where: { name, teamId: null } });
  if (found) {
    return found.ref === dir ? found : prisma.baseModel.update({ where: { id: found.id }, data: { ref: dir } });
  }
  return prisma.baseModel.create({ data: { name, source: "local", ref: dir, contextLength: 256, teamId: null } });
}

/**
 * A real pretrained model converted into a plain folder by `python -m whetstone_runner.pretrained --out DIR`, which
 * writes its name, parameter count and context length into DIR/whetstone-model.json; instance-wide (teamId null).
 * Skipped (null) while DIR holds no finished conversion.
 */
export async function seedPretrainedModel(prisma: PrismaClient, dir: string) {
  let info: { name: string; parameterCount: number; contextLength: number };
  try {
    info = JSON.parse(readFileSync(join(dir, "whetstone-model.json"), "utf8"));
  } catch {
    console.log(
      `No converted model in ${dir} (gpu-runner: python -m whetstone_runner.pretrained --out ${dir}); skipped.`,
    );
    return null;
  }
  const data = { ref: dir, parameterCount: BigInt(info.parameterCount), contextLength: info.contextLength };
  const found = await prisma.baseModel.findFirst({ where: { name: info.name, source: "local", teamId: null } });
  if (found) {
    const same =
      found.ref === data.ref &&
      found.parameterCount === data.parameterCount &&
      found.contextLength === data.contextLength;
    return same ? found : prisma.baseModel.update({ where: { id: found.id }, data });
  }
  return prisma.baseModel.create({ data: { name: info.name, source: "local", teamId: null, ...data } });
}

async function main() {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const prisma = createPrismaClient(url);
  try {
    const email = process.env.WHETSTONE_ADMIN_EMAIL || "admin@whetstone.local";
    const { user, password } = await seedAdmin(prisma, email);
    await seedDemoTeam(prisma, user.id);
    if (process.env.TINY_MODEL_DIR) await seedTinyModel(prisma, process.env.TINY_MODEL_DIR);
    if (process.env.SMOLLM2_MODEL_DIR) await seedPretrainedModel(prisma, process.env.SMOLLM2_MODEL_DIR);
    if (password) {
      console.log(
        `Admin account created — sign in with\n  email:    ${email}\n  password: ${password}\n(shown once; change it after signing in)`,
      );
    } else {
      console.log(`Admin account ${email} exists (its password was shown when it was created).`);
    }
  } finally {
    await prisma.$disconnect();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
