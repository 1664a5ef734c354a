import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey, LAST_USED_RESOLUTION_MS } from "../src/auth/authenticate-api-key";
import { signUp } from "../src/auth/sign-up";
import { upsertOidcUser } from "../src/auth/upsert-oidc-user";
import { verifyPassword } from "../src/auth/verify-password";
import { hashApiKey } from "../src/api-keys/api-key-token";
import { AppError } from "../src/errors";
import { seedApiKey, seedTeam, seedUser } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env?.close());

async function appError(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe("sign-up and passwords", () => {
  it("makes the first user of the instance its admin, and nobody after", async () => {
    const [a, b, c] = await Promise.all([
      signUp(env.db.prisma, { email: "First@Example.com ", password: "correct horse", name: "Ada" }),
      signUp(env.db.prisma, { email: "second@example.com", password: "correct horse" }),
      upsertOidcUser(env.db.prisma, { email: "third@example.com", name: "Oid" }),
    ]);
    expect([a, b, c].filter((u) => u.isAdmin)).toHaveLength(1);
    expect(a.email).toBe("first@example.com");
    const row = await env.db.prisma.user.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain("correct horse");
  });

  it("answers CONFLICT on the email field for a taken email (any case)", async () => {
    const e = await appError(signUp(env.db.prisma, { email: "FIRST@example.com", password: "another one" }));
    expect(e.code).toBe("CONFLICT");
    expect(e.details.field).toBe("email");
  });

  it("answers BAD_REQUEST on the password field for a short password, through tRPC too", async () => {
    const e = await appError(signUp(env.db.prisma, { email: "short@example.com", password: "1234567" }));
    expect([e.code, e.details.field, e.details.limit]).toEqual(["BAD_REQUEST", "password", 8]);
    const t = await env
      .asCaller(null)
      .auth.signUp({ email: "short@example.com", password: "short" })
      .catch((x: unknown) => x);
    expect(t).toBeInstanceOf(TRPCError);
    expect((t as TRPCError).code).toBe("BAD_REQUEST");
    expect(await env.db.prisma.user.count({ where: { email: "short@example.com" } })).toBe(0);
  });

  it("verifies passwords", async () => {
    expect((await verifyPassword(env.db.prisma, "first@example.com", "correct horse"))?.email).toBe(
      "first@example.com",
    );
    expect(await verifyPassword(env.db.prisma, "first@example.com", "wrong horse")).toBeNull();
    expect(await verifyPassword(env.db.prisma, "nobody@example.com", "correct horse")).toBeNull();
    // OIDC-only users have no password.
    expect(await verifyPassword(env.db.prisma, "third@example.com", "")).toBeNull();
  });

  it("upserts OIDC users by email", async () => {
    const again = await upsertOidcUser(env.db.prisma, { email: "THIRD@example.com", name: "Other" });
    const first = await env.db.prisma.user.findUniqueOrThrow({ where: { email: "third@example.com" } });
    expect(again.id).toBe(first.id);
    expect(await env.db.prisma.user.count({ where: { email: "third@example.com" } })).toBe(1);
  });
});

describe("API keys", () => {
  it("creates a key shown once, stores only its sha256, and the key authenticates", async () => {
    const owner = await seedUser(env.db.prisma);
    const team = await seedTeam(env.db.prisma, { members: [{ userId: owner.id, role: "owner" }] });
    const created = await env.as(owner, team.slug).apiKeys.create({ name: "ci", role: "member" });
    expect(created.key).toMatch(/^wst_[0-9A-Za-z]{32,}$/);
    expect(created.prefix).toBe(created.key.slice(0, 8));

    const row = await env.db.prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.hash).toBe(hashApiKey(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    const listed = await env.as(owner, team.slug).apiKeys.list();
    expect(listed.map((k) => k.id)).toEqual([created.id]);
    expect(JSON.stringify(listed)).not.toContain(row.hash);
    expect(listed[0]).not.toHaveProperty("key");

    const caller = await authenticateApiKey(env.db.prisma, `Bearer ${created.key}`);
    expect(caller).toEqual({
      kind: "apiKey",
      userId: owner.id,
      isAdmin: false,
      apiKeyId: created.id,
      teamId: team.id,
      role: "member",
      team: { slug: team.slug, name: team.name },
    });
    const audit = await env.db.prisma.auditLog.findFirstOrThrow({
      where: { action: "api_key.created", targetId: created.id },
    });
    expect(JSON.stringify(audit.details)).not.toContain(created.key);
  });

  it("refuses malformed, unknown and revoked keys", async () => {
    const owner = await seedUser(env.db.prisma);
    const team = await seedTeam(env.db.prisma, { members: [{ userId: owner.id, role: "owner" }] });
    const k = await seedApiKey(env.db.prisma, { teamId: team.id, userId: owner.id });
    expect(await authenticateApiKey(env.db.prisma, k.key)).not.toBeNull();
    expect(await authenticateApiKey(env.db.prisma, "Bearer nope")).toBeNull();
    expect(await authenticateApiKey(env.db.prisma, `Bearer wst_${"a".repeat(40)}`)).toBeNull();
    expect(await authenticateApiKey(env.db.prisma, null)).toBeNull();

    const revoked = await env.as(owner, team.slug).apiKeys.revoke({ id: k.id });
    expect(revoked.revokedAt).not.toBeNull();
    expect(await authenticateApiKey(env.db.prisma, k.key)).toBeNull();
    expect(await env.db.prisma.auditLog.count({ where: { action: "api_key.revoked", targetId: k.id } })).toBe(1);
  });

  it("moves lastUsedAt, at most once a minute", async () => {
    const owner = await seedUser(env.db.prisma);
    const team = await seedTeam(env.db.prisma, { members: [{ userId: owner.id, role: "owner" }] });
    const k = await seedApiKey(env.db.prisma, { teamId: team.id, userId: owner.id });
    const lastUsed = async () => (await env.db.prisma.apiKey.findUniqueOrThrow({ where: { id: k.id } })).lastUsedAt;
    expect(await lastUsed()).toBeNull();
    await authenticateApiKey(env.db.prisma, k.key);
    const t1 = await lastUsed();
    expect(t1).not.toBeNull();
    await authenticateApiKey(env.db.prisma, k.key);
    expect(await lastUsed()).toEqual(t1);
    const old = new Date(Date.now() - LAST_USED_RESOLUTION_MS - 1000);
    await env.db.prisma.apiKey.update({ where: { id: k.id }, data: { lastUsedAt: old } });
    await authenticateApiKey(env.db.prisma, k.key);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(old.getTime() + 1000);
  });

  it("admin keys: only instance admins create them, and they stay admin only while the creator is admin", async () => {
    const admin = await seedUser(env.db.prisma, { isAdmin: true });
    const member = await seedUser(env.db.prisma);
    const team = await seedTeam(env.db.prisma, {
      members: [
        { userId: admin.id, role: "owner" },
        { userId: member.id, role: "member" },
      ],
    });
    const e = await env
      .as(member, team.slug)
      .apiKeys.create({ name: "x", isAdmin: true })
      .catch((x: unknown) => x);
    expect((e as TRPCError).code).toBe("FORBIDDEN");
    const owner = await env
      .as(member, team.slug)
      .apiKeys.create({ name: "x", role: "owner" })
      .catch((x: unknown) => x);
    expect((owner as TRPCError).code).toBe("FORBIDDEN");

    const k = await env.as(admin, team.slug).apiKeys.create({ name: "ops", isAdmin: true, role: "owner" });
    expect((await authenticateApiKey(env.db.prisma, k.key))?.isAdmin).toBe(true);
    await env.db.prisma.user.update({ where: { id: admin.id }, data: { isAdmin: false } });
    expect((await authenticateApiKey(env.db.prisma, k.key))?.isAdmin).toBe(false);
  });

  it("caps a key at its creator's current role and refuses it once the creator left the team", async () => {
    const owner = await seedUser(env.db.prisma);
    const other = await seedUser(env.db.prisma);
    const team = await seedTeam(env.db.prisma, {
      members: [
        { userId: owner.id, role: "owner" },
        { userId: other.id, role: "owner" },
      ],
    });
    const k = await seedApiKey(env.db.prisma, { teamId: team.id, userId: owner.id, role: "owner" });
    await env.db.prisma.membership.update({
      where: { userId_teamId: { userId: owner.id, teamId: team.id } },
      data: { role: "viewer" },
    });
    expect((await authenticateApiKey(env.db.prisma, k.key))?.role).toBe("viewer");
    await env.db.prisma.membership.delete({ where: { userId_teamId: { userId: owner.id, teamId: team.id } } });
    expect(await authenticateApiKey(env.db.prisma, k.key)).toBeNull();
  });
});
