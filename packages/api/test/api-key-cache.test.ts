/**
 * The API-key cache (src/auth/api-key-cache.ts) on real PostgreSQL and Redis: a second PrismaClient on the same
 * database stands for a second web process (its own cache), so invalidation is checked across processes.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, type PrismaClient } from "@whetstone/db";
import { INSTANCE_TOKEN_KEY, teamTokenKey } from "../src/auth/api-key-cache";
import { authenticateApiKey } from "../src/auth/authenticate-api-key";
import { seedApiKey, seedTeam, seedUser } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";
import { serveRest } from "./rest-client";

let env: TestEnv;
/** "Process B": another client of the same database, so another cache. */
let otherProcess: PrismaClient;
beforeAll(async () => {
  env = await createTestEnv();
  otherProcess = createPrismaClient(env.db.url);
});
afterAll(async () => {
  await otherProcess?.$disconnect();
  await env?.close();
});

/** Authenticates until the key is served from `db`'s cache (first call learns the team, the second fills it). */
async function warm(db: PrismaClient, key: string) {
  for (let i = 0; i < 3; i++) expect(await authenticateApiKey(db, key, env.deps.redis)).not.toBeNull();
}

/** Renames the team behind the cache's back (no invalidation): a cached caller still shows the old name. */
async function renameQuietly(teamId: string, name: string) {
  await env.db.prisma.team.update({ where: { id: teamId }, data: { name } });
}

async function setup() {
  const owner = await seedUser(env.db.prisma);
  const member = await seedUser(env.db.prisma);
  const team = await seedTeam(env.db.prisma, {
    members: [
      { userId: owner.id, role: "owner" },
      { userId: member.id, role: "member" },
    ],
  });
  const ownerKey = await seedApiKey(env.db.prisma, { teamId: team.id, userId: owner.id, role: "owner" });
  const memberKey = await seedApiKey(env.db.prisma, { teamId: team.id, userId: member.id, role: "member" });
  return { owner, member, team, ownerKey: ownerKey.key, memberKey: memberKey.key, memberKeyId: memberKey.id };
}

describe("API-key cache", () => {
  it("serves a key from the cache, with its team, without a second lookup", async () => {
    const { team, ownerKey } = await setup();
    await warm(env.db.prisma, ownerKey);
    await renameQuietly(team.id, "Renamed quietly");
    const caller = await authenticateApiKey(env.db.prisma, ownerKey, env.deps.redis);
    expect(caller).toMatchObject({ teamId: team.id, role: "owner", team: { slug: team.slug, name: team.name } });
    // Without Redis there is no cache: the database is read.
    expect((await authenticateApiKey(env.db.prisma, ownerKey))?.team?.name).toBe("Renamed quietly");
  });

  it("refuses a revoked key on the next request, in this process and in another", async () => {
    const { owner, team, ownerKey, memberKey, memberKeyId } = await setup();
    await warm(env.db.prisma, memberKey);
    await warm(otherProcess, memberKey);
    await env.as(owner, team.slug).apiKeys.revoke({ id: memberKeyId });
    expect(await authenticateApiKey(env.db.prisma, memberKey, env.deps.redis)).toBeNull();
    expect(await authenticateApiKey(otherProcess, memberKey, env.deps.redis)).toBeNull();
    // ...and over REST, as apps/web serves it
    const res = await serveRest(
      new Request("http://localhost/api/v1/jobs?limit=1", { headers: { authorization: `Bearer ${memberKey}` } }),
      env.deps,
    );
    expect(res.status).toBe(401);
    // the team's other key still works
    expect(await authenticateApiKey(otherProcess, ownerKey, env.deps.redis)).not.toBeNull();
  });

  it("revocation over REST takes effect on the very next REST request", async () => {
    const { ownerKey, memberKey, memberKeyId } = await setup();
    const get = (key: string) =>
      serveRest(new Request("http://localhost/api/v1/jobs?limit=1", { headers: { authorization: `Bearer ${key}` } }), {
        ...env.deps,
        prisma: otherProcess,
      });
    for (let i = 0; i < 3; i++) expect((await get(memberKey)).status).toBe(200);
    const revoke = await serveRest(
      new Request(`http://localhost/api/v1/api-keys/${memberKeyId}/revoke`, {
        method: "POST",
        headers: { authorization: `Bearer ${ownerKey}` },
      }),
      env.deps,
    );
    expect(revoke.status).toBe(200);
    expect((await get(memberKey)).status).toBe(401);
  });

  it("applies a member's removal and role change on the next request, in another process", async () => {
    const { owner, member, team, memberKey } = await setup();
    await warm(otherProcess, memberKey);
    await env.as(owner, team.slug).teams.changeMemberRole({ userId: member.id, role: "viewer" });
    expect((await authenticateApiKey(otherProcess, memberKey, env.deps.redis))?.role).toBe("viewer");
    await warm(otherProcess, memberKey);
    await env.as(owner, team.slug).teams.removeMember({ userId: member.id });
    expect(await authenticateApiKey(otherProcess, memberKey, env.deps.redis)).toBeNull();
  });

  it("is team-scoped: a change in one team leaves the other team's entries, and never mixes keys up", async () => {
    const a = await setup();
    const b = await setup();
    await warm(otherProcess, a.ownerKey);
    await warm(otherProcess, b.ownerKey);
    await renameQuietly(a.team.id, "A renamed quietly");
    await env.as(b.owner, b.team.slug).apiKeys.revoke({ id: b.memberKeyId });
    // team A's entry was not invalidated by team B's revocation (still the cached name)...
    const ca = await authenticateApiKey(otherProcess, a.ownerKey, env.deps.redis);
    expect(ca).toMatchObject({ teamId: a.team.id, userId: a.owner.id, team: { name: a.team.name } });
    // ...team B's was (read again), and each key answers for its own team
    const cb = await authenticateApiKey(otherProcess, b.ownerKey, env.deps.redis);
    expect(cb).toMatchObject({ teamId: b.team.id, userId: b.owner.id, team: { slug: b.team.slug } });
  });

  it("never serves an entry when its tokens are lost (Redis restarted empty) or Redis is unreachable", async () => {
    const { team, memberKey, memberKeyId } = await setup();
    await warm(otherProcess, memberKey);
    // A revocation whose token bump was lost: the key is revoked in the database, the tokens are gone.
    await env.db.prisma.apiKey.update({ where: { id: memberKeyId }, data: { revokedAt: new Date() } });
    await env.deps.redis.del(teamTokenKey(team.id));
    expect(await authenticateApiKey(otherProcess, memberKey, env.deps.redis)).toBeNull();

    const { memberKey: key2, memberKeyId: id2 } = await setup();
    await warm(otherProcess, key2);
    await env.db.prisma.apiKey.update({ where: { id: id2 }, data: { revokedAt: new Date() } });
    const down = new Redis({ host: "127.0.0.1", port: 1, lazyConnect: true, enableOfflineQueue: false });
    down.on("error", () => undefined);
    try {
      expect(await authenticateApiKey(otherProcess, key2, down)).toBeNull();
    } finally {
      down.disconnect();
    }
  });

  it("a key deleted with its team (cascade) is refused once the team's token moves", async () => {
    const { team, ownerKey } = await setup();
    await warm(otherProcess, ownerKey);
    await env.db.prisma.team.delete({ where: { id: team.id } });
    const { invalidateApiKeys } = await import("../src/auth/api-key-cache");
    await invalidateApiKeys(env.db.prisma, env.deps.redis, { teamId: team.id });
    expect(await authenticateApiKey(otherProcess, ownerKey, env.deps.redis)).toBeNull();
  });

  it("an instance-wide invalidation (a user's admin flag) reaches every team", async () => {
    const admin = await seedUser(env.db.prisma, { isAdmin: true });
    const team = await seedTeam(env.db.prisma, { members: [{ userId: admin.id, role: "owner" }] });
    const { key } = await seedApiKey(env.db.prisma, { teamId: team.id, userId: admin.id, isAdmin: true });
    await warm(otherProcess, key);
    await env.db.prisma.user.update({ where: { id: admin.id }, data: { isAdmin: false } });
    const { invalidateApiKeys } = await import("../src/auth/api-key-cache");
    await invalidateApiKeys(env.db.prisma, env.deps.redis, {});
    expect((await authenticateApiKey(otherProcess, key, env.deps.redis))?.isAdmin).toBe(false);
    expect(await env.deps.redis.get(INSTANCE_TOKEN_KEY)).toBeTruthy();
  });
});
