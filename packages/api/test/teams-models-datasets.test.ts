import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedJob, seedUser, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

let env: TestEnv;
let w: World;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
});
afterAll(() => env?.close());

const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, "expected a failure").toBeInstanceOf(TRPCError);
  return e as TRPCError & { cause?: { details?: Record<string, unknown> } };
};

describe("teams", () => {
  it("creates a team with the caller as owner and lists it", async () => {
    const u = await seedUser(env.db.prisma);
    const t = await env.as(u).teams.create({ name: "Legal Ops" });
    expect(t.slug).toBe("legal-ops");
    expect(await env.as(u).teams.listMine()).toEqual([
      { id: t.id, slug: "legal-ops", name: "Legal Ops", role: "owner" },
    ]);
    expect(await env.as(u, "legal-ops").teams.current()).toMatchObject({ id: t.id, role: "owner", memberCount: 1 });
  });

  it("asks for a team when a session sends none", async () => {
    expect((await failure(env.as(w.ownerA).teams.current())).code).toBe("BAD_REQUEST");
  });

  it("lets owners add members by email, change roles and remove them — never the last owner", async () => {
    const owner = await seedUser(env.db.prisma);
    const newcomer = await seedUser(env.db.prisma, { email: "newcomer@example.com" });
    const t = await env.as(owner).teams.create({ name: "Roles" });
    const o = env.as(owner, t.slug);

    const added = await o.teams.addMember({ email: "NEWCOMER@example.com", role: "viewer" });
    expect(added).toMatchObject({ userId: newcomer.id, role: "viewer" });
    expect((await failure(o.teams.addMember({ email: "newcomer@example.com", role: "member" }))).code).toBe("CONFLICT");
    const unknown = await failure(o.teams.addMember({ email: "ghost@example.com", role: "member" }));
    expect([unknown.code, unknown.cause?.details?.field]).toEqual(["NOT_FOUND", "email"]);
    expect((await o.teams.members()).map((m) => [m.email, m.role])).toEqual([
      [owner.email, "owner"],
      ["newcomer@example.com", "viewer"],
    ]);

    // A member may not manage members.
    await o.teams.changeMemberRole({ userId: newcomer.id, role: "member" });
    expect((await failure(env.as(newcomer, t.slug).teams.removeMember({ userId: owner.id }))).code).toBe("FORBIDDEN");

    const lastOwner = await failure(o.teams.changeMemberRole({ userId: owner.id, role: "member" }));
    expect(lastOwner.code).toBe("PRECONDITION_FAILED");
    expect(lastOwner.message).toContain("last owner");
    expect((await failure(o.teams.removeMember({ userId: owner.id }))).code).toBe("PRECONDITION_FAILED");

    await o.teams.changeMemberRole({ userId: newcomer.id, role: "owner" });
    await o.teams.removeMember({ userId: owner.id });
    expect((await env.as(newcomer, t.slug).teams.members()).map((m) => m.userId)).toEqual([newcomer.id]);

    const actions = await env.db.prisma.auditLog.findMany({
      where: { teamId: t.id },
      orderBy: { createdAt: "asc" },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual([
      "member.added",
      "member.role_changed",
      "member.role_changed",
      "member.removed",
    ]);
  });
});

describe("base models", () => {
  it("lists the team's and the instance-wide models with lineage", async () => {
    const list = await env.as(w.memberA, w.teamA.slug).baseModels.list();
    expect(new Set(list.map((m) => m.id))).toEqual(new Set([w.sharedModel.id, w.localModelA.id, w.artifactModelA.id]));
    const art = list.find((m) => m.id === w.artifactModelA.id)!;
    expect(art.parent).toEqual({ id: w.sharedModel.id, name: w.sharedModel.name });
    expect(art.sourceJob?.id).toBe(w.doneJobA.id);
    expect(list.find((m) => m.id === w.sharedModel.id)).toMatchObject({
      instanceWide: true,
      parameterCount: 494_000_000,
    });
    expect((await env.as(w.memberA, w.teamA.slug).baseModels.get({ id: w.artifactModelA.id })).source).toBe("artifact");
  });

  it("registers Hugging Face ids and local paths, with clear errors", async () => {
    const m = env.as(w.memberA, w.teamA.slug);
    const hf = await m.baseModels.register({
      name: "llama-1b",
      source: "huggingface",
      ref: "meta-llama/Llama-3.2-1B",
      parameterCount: 1_230_000_000,
      contextLength: 131072,
    });
    expect(hf).toMatchObject({
      teamId: w.teamA.id,
      source: "huggingface",
      parameterCount: 1_230_000_000,
      parent: null,
    });
    const local = await m.baseModels.register({ name: "on-disk", source: "local", ref: "/srv/models/tiny" });
    expect(local.ref).toBe("/srv/models/tiny");
    const bad = await failure(m.baseModels.register({ name: "x", source: "huggingface", ref: "not a/valid id" }));
    expect([bad.code, bad.cause?.details?.field]).toEqual(["BAD_REQUEST", "ref"]);
    expect(
      (await failure(m.baseModels.register({ name: "y", source: "local", ref: "relative/dir" }))).cause?.details?.field,
    ).toBe("ref");
    expect((await failure(m.baseModels.register({ name: "llama-1b", source: "local", ref: "/a" }))).code).toBe(
      "CONFLICT",
    );
    // Team B does not see team A's registrations.
    expect((await env.as(w.ownerB, w.teamB.slug).baseModels.list()).map((x) => x.id)).not.toContain(hf.id);
  });
});

describe("datasets", () => {
  it("lists datasets with their latest version", async () => {
    const list = await env.as(w.viewerA, w.teamA.slug).datasets.list();
    const chat = list.find((d) => d.id === w.chatA.datasetId)!;
    expect(chat).toMatchObject({
      name: "support-chat",
      versionCount: 1,
      latestVersion: { id: w.chatA.id, format: "chat", rowCount: 64, bytes: 64 * 120 },
    });
  });

  it("gets a dataset with its versions and latest profile, and a version with sample rows", async () => {
    const d = await env.as(w.viewerA, w.teamA.slug).datasets.get({ id: w.chatA.datasetId });
    expect(d.versions.map((v) => v.id)).toEqual([w.chatA.id]);
    expect(d.latestProfile).toMatchObject({ format: "chat", rows: 64 });
    const v = await env.as(w.viewerA, w.teamA.slug).datasets.getVersion({ id: w.chatA.id });
    expect(v.dataset).toEqual({ id: w.chatA.datasetId, name: "support-chat" });
    expect(v.sampleRows).toHaveLength(1);
    expect(v.sampleRows[0]).toHaveProperty("messages");
  });

  it("refuses to delete a dataset a running job uses, naming the job; deletes it once the job is final", async () => {
    const o = env.as(w.ownerA, w.teamA.slug);
    const e = await failure(o.datasets.delete({ id: w.chatA.datasetId }));
    expect(e.code).toBe("PRECONDITION_FAILED");
    expect(e.message).toContain(w.runningJobA.id);
    expect(await env.db.prisma.datasetVersion.count({ where: { id: w.chatA.id } })).toBe(1);

    await env.db.prisma.fineTuneJob.updateMany({
      where: { teamId: w.teamA.id, state: { notIn: ["succeeded", "failed", "cancelled"] } },
      data: { state: "failed" },
    });
    await env.deps.storage.put(w.chatA.blobKey, Readable.from([Buffer.from("{}\n")]));
    expect(await env.deps.storage.stat(w.chatA.blobKey)).not.toBeNull();
    const r = await o.datasets.delete({ id: w.chatA.datasetId });
    expect(r).toEqual({ id: w.chatA.datasetId, deletedVersions: 1 });
    expect(await env.db.prisma.dataset.count({ where: { id: w.chatA.datasetId } })).toBe(0);
    expect(await env.deps.storage.stat(w.chatA.blobKey)).toBeNull();
    const note = await env.db.prisma.jobEvent.findFirst({ where: { jobId: w.doneJobA.id, kind: "platform" } });
    expect(note?.message).toContain("support-chat");
    expect((await failure(o.datasets.get({ id: w.chatA.datasetId }))).code).toBe("NOT_FOUND");
  });

  it("a pending job blocks deletion too", async () => {
    const job = await seedJob(env.db.prisma, {
      teamId: w.teamA.id,
      baseModelId: w.sharedModel.id,
      datasetVersionIds: [w.textA.id],
      state: "pending_quota",
    });
    const e = await failure(env.as(w.ownerA, w.teamA.slug).datasets.delete({ id: w.textA.datasetId }));
    expect(e.message).toContain(job.id);
  });
});
