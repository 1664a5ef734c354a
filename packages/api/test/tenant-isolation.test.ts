/**
 * Walks EVERY procedure of appRouter (enumerated from `appRouter._def.procedures`, so a new procedure cannot be
 * forgotten) and checks that
 *  - a caller of team B (session with B's slug, and B's API key) gets NOT_FOUND / FORBIDDEN for each of team A's
 *    objects, and sees none of them in lists;
 *  - a session of team B pointing at team A's slug gets NOT_FOUND;
 *  - a viewer of team A (session and viewer API key) gets FORBIDDEN for every mutation;
 *  - as a control, team A's owner is not refused (so the ids in the table really are reachable objects).
 * Every procedure is in WALK or in EXEMPT (with the reason); the test fails otherwise.
 */
import { Readable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateApiKey } from "../src/auth/authenticate-api-key";
import { appRouter } from "../src/root";
import { seedApiKey, seedDatasetVersion, seedWorld, type World } from "./fixtures";
import { createTestEnv, type TestEnv } from "./helpers";

type Walk =
  /** Takes one of team A's objects: team B must be refused. `alsoAllowed`: a create that names the foreign id as a bad field. */
  | { kind: "object"; input: (w: World) => unknown; alsoAllowed?: "BAD_REQUEST" }
  /** Lists the team's objects: team B's answer must hold none of A's. */
  | { kind: "list"; input: (w: World) => unknown; leaks: (result: unknown, w: World) => boolean }
  /** Creates something in the caller's own team from no object of A (nothing of A to leak): only the role checks apply. */
  | { kind: "create"; input: (w: World) => unknown; why: string };

const ids = (xs: unknown, key = "id") => (Array.isArray(xs) ? xs.map((x) => (x as Record<string, unknown>)[key]) : []);
const items = (r: unknown) => (r as { items: unknown[] }).items;

const WALK: Record<string, Walk> = {
  "teams.current": { kind: "list", input: () => undefined, leaks: (r, w) => (r as { id: string }).id === w.teamA.id },
  "teams.members": {
    kind: "list",
    input: () => undefined,
    leaks: (r, w) => ids(r, "userId").some((id) => [w.ownerA.id, w.memberA.id, w.viewerA.id].includes(id as string)),
  },
  "teams.addMember": {
    kind: "create",
    input: (w) => ({ email: w.admin.email, role: "member" }),
    why: "users are global; adds to the caller's own team",
  },
  "teams.changeMemberRole": { kind: "object", input: (w) => ({ userId: w.memberA.id, role: "viewer" }) },
  "teams.removeMember": { kind: "object", input: (w) => ({ userId: w.memberA.id }) },

  "apiKeys.create": { kind: "create", input: () => ({ name: "walk" }), why: "creates a key of the caller's own team" },
  "apiKeys.list": { kind: "list", input: () => undefined, leaks: (r, w) => ids(r).includes(w.apiKeyA.id) },
  "apiKeys.revoke": { kind: "object", input: (w) => ({ id: w.apiKeyA.id }) },

  "baseModels.list": {
    kind: "list",
    input: () => undefined,
    leaks: (r, w) => ids(r).some((id) => id === w.localModelA.id || id === w.artifactModelA.id),
  },
  "baseModels.get": { kind: "object", input: (w) => ({ id: w.localModelA.id }) },
  "baseModels.register": {
    kind: "create",
    input: () => ({ name: `walk-${Math.random()}`, source: "huggingface", ref: "org/model" }),
    why: "registers in the caller's own team",
  },

  "datasets.list": { kind: "list", input: () => undefined, leaks: (r, w) => ids(r).includes(w.chatA.datasetId) },
  "datasets.get": { kind: "object", input: (w) => ({ id: w.chatA.datasetId }) },
  "datasets.getVersion": { kind: "object", input: (w) => ({ id: w.chatA.id }) },
  "datasets.delete": { kind: "object", input: (w) => ({ id: w.textA.datasetId }) },

  "jobs.create": {
    kind: "object",
    input: (w) => ({
      baseModelId: w.sharedModel.id,
      technique: "sft",
      datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
    }),
    alsoAllowed: "BAD_REQUEST",
  },
  "jobs.list": {
    kind: "list",
    input: () => ({ limit: 200 }),
    leaks: (r, w) => ids(items(r)).some((id) => id === w.runningJobA.id || id === w.doneJobA.id),
  },
  "jobs.get": { kind: "object", input: (w) => ({ id: w.runningJobA.id }) },
  "jobs.events": { kind: "object", input: (w) => ({ id: w.runningJobA.id, limit: 10 }) },
  "jobs.metrics": { kind: "object", input: (w) => ({ id: w.runningJobA.id }) },
  "jobs.artifacts": { kind: "object", input: (w) => ({ id: w.doneJobA.id }) },
  "jobs.cancel": { kind: "object", input: (w) => ({ id: w.runningJobA.id }) },
  "jobs.pause": { kind: "object", input: (w) => ({ id: w.runningJobA.id }) },
  "jobs.resume": { kind: "object", input: (w) => ({ id: w.runningJobA.id }) },
  "jobs.merge": { kind: "object", input: (w) => ({ id: w.doneJobA.id }) },
  "jobs.mergeStatus": { kind: "object", input: (w) => ({ id: w.doneJobA.id }) },
  "jobs.estimate": {
    kind: "object",
    input: (w) => ({
      baseModelId: w.localModelA.id,
      technique: "sft",
      datasets: [{ datasetVersionId: w.chatA.id, weight: 1 }],
    }),
    alsoAllowed: "BAD_REQUEST",
  },

  "evaluations.create": {
    kind: "object",
    input: (w) => ({
      models: [{ modelId: w.sharedModel.id }, { modelId: w.localModelA.id }],
      datasetVersionIds: [w.chatA.id],
      technique: "sft",
    }),
    alsoAllowed: "BAD_REQUEST",
  },
  "evaluations.list": {
    kind: "list",
    input: () => ({ limit: 200 }),
    leaks: (r, w) => ids(items(r)).includes(w.evaluationA.id),
  },
  "evaluations.get": { kind: "object", input: (w) => ({ id: w.evaluationA.id }) },
  "evaluations.cancel": { kind: "object", input: (w) => ({ id: w.evaluationA.id }) },

  "usage.get": {
    kind: "list",
    input: () => ({}),
    leaks: (r, w) => {
      const u = r as { team: { id: string }; jobs: { jobId: string }[] };
      return u.team.id === w.teamA.id || u.jobs.some((j) => j.jobId === w.runningJobA.id || j.jobId === w.doneJobA.id);
    },
  },
};

/** Team A's webhook endpoint (not part of the shared world): what team B must neither list nor delete. */
let webhookA: { id: string };
Object.assign(WALK, {
  "webhooks.list": { kind: "list", input: () => undefined, leaks: (r: unknown) => ids(r).includes(webhookA.id) },
  "webhooks.create": {
    kind: "create",
    input: () => ({ url: "https://hooks.example.com/walk" }),
    why: "registers an endpoint of the caller's own team",
  },
  "webhooks.delete": { kind: "object", input: () => ({ id: webhookA.id }) },
} satisfies Record<string, Walk>);

/** Team A's active-learning project with a picked row and a simulation (not part of the shared world). */
const al = { projectId: "", roundId: "", itemId: "", simulationId: "", heldOutId: "" };
const project = () => ({ projectId: al.projectId });
Object.assign(WALK, {
  "activeLearning.createProject": {
    kind: "object",
    input: (w: World) => ({
      name: `walk-${Math.random()}`,
      task: "classification",
      labels: [{ name: "positive" }, { name: "negative" }],
      baseModelId: w.sharedModel.id,
      poolVersionId: w.textA.id,
      heldOutVersionId: al.heldOutId,
    }),
  },
  "activeLearning.listProjects": {
    kind: "list",
    input: () => undefined,
    leaks: (r: unknown) => ids(items(r)).includes(al.projectId),
  },
  "activeLearning.getProject": { kind: "object", input: project },
  "activeLearning.listItems": { kind: "object", input: () => ({ ...project(), limit: 10 }) },
  "activeLearning.exportLabels": { kind: "object", input: () => ({ ...project(), format: "csv" }) },
  "activeLearning.startRound": { kind: "object", input: project },
  "activeLearning.cancelRound": { kind: "object", input: () => ({ roundId: al.roundId }) },
  "activeLearning.nextItems": { kind: "object", input: () => ({ ...project(), count: 5 }) },
  "activeLearning.label": { kind: "object", input: () => ({ ...project(), itemId: al.itemId, value: "positive" }) },
  "activeLearning.unlabel": { kind: "object", input: () => ({ ...project(), itemId: al.itemId }) },
  "activeLearning.resolve": { kind: "object", input: () => ({ ...project(), itemId: al.itemId, value: "negative" }) },
  "activeLearning.skip": { kind: "object", input: () => ({ ...project(), itemId: al.itemId }) },
  "activeLearning.importLabels": {
    kind: "object",
    input: () => ({ ...project(), format: "csv", content: "row,label\n7,positive\n" }),
  },
  "activeLearning.retrain": { kind: "object", input: project },
  "activeLearning.simulate": { kind: "object", input: () => ({ ...project(), datasetVersionId: al.heldOutId }) },
  "activeLearning.cancelSimulation": { kind: "object", input: () => ({ simulationId: al.simulationId }) },
  // Last: the control run deletes the project (or is refused while its simulation is queued).
  "activeLearning.deleteProject": { kind: "object", input: project },
} satisfies Record<string, Walk>);

/** Team A's augmentation of its chat dataset (not part of the shared world). */
let augmentationA: { id: string };
Object.assign(WALK, {
  "datasets.readiness": { kind: "object", input: (w: World) => ({ id: w.chatA.id }) },
  "datasets.jobReadiness": { kind: "object", input: (w: World) => ({ datasetVersionIds: w.chatA.id }) },
  "datasets.clean": { kind: "object", input: (w: World) => ({ id: w.chatA.id }) },
  "augmentations.create": {
    kind: "object",
    input: (w: World) => ({ id: w.chatA.id, method: "perturb", targetRows: 10 }),
  },
  "augmentations.get": { kind: "object", input: () => ({ id: augmentationA.id }) },
  "augmentations.cancel": { kind: "object", input: () => ({ id: augmentationA.id }) },
  // Instance-level (whether an admin configured a generator endpoint): holds nothing of any team.
  "augmentations.generatorAvailability": { kind: "list", input: () => undefined, leaks: () => false },
  "augmentations.list": {
    kind: "list",
    input: (w: World) => ({ id: w.chatA.id }),
    leaks: (r: unknown) => ids(r).includes(augmentationA.id),
  },
  "augmentations.compare": {
    kind: "object",
    input: (w: World) => ({ id: augmentationA.id, baseModelId: w.sharedModel.id, technique: "sft" }),
  },
} satisfies Record<string, Walk>);

const EXEMPT: Record<string, string> = {
  "health.check": "public liveness probe, reads nothing",
  "auth.signUp": "public: creates an account, no team involved",
  "teams.create": "not team-scoped: creates a new team owned by the caller",
  "teams.listMine": "not team-scoped: lists the caller's own memberships (checked below)",
  ...Object.fromEntries(
    Object.keys(appRouter._def.procedures as object)
      .filter((p) => p.startsWith("admin."))
      .map((p) => [
        p,
        "instance admins only (adminProcedure): refuses every non-admin with FORBIDDEN; admin.test.ts checks each one and fails when one is added without being checked",
      ]),
  ),
};

// At run time the record is flat: "jobs.get" → procedure.
const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: "query" | "mutation" | "subscription" } }
>;
type AnyCaller = Record<string, unknown>;

async function call(
  caller: AnyCaller,
  path: string,
  input: unknown,
): Promise<{ ok: true; value: unknown } | { ok: false; error: TRPCError }> {
  const fn = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], caller) as (
    i: unknown,
  ) => Promise<unknown>;
  try {
    return { ok: true, value: await fn(input) };
  } catch (e) {
    if (!(e instanceof TRPCError)) throw e;
    return { ok: false, error: e };
  }
}

let env: TestEnv;
let w: World;
let keyB: string;
let viewerKeyA: string;
beforeAll(async () => {
  env = await createTestEnv();
  w = await seedWorld(env.db.prisma);
  webhookA = await env.db.prisma.webhookEndpoint.create({
    data: { teamId: w.teamA.id, url: "https://hooks.example.com/a", secretCiphertext: "v1.x.y.z" },
  });
  const heldOut = await seedDatasetVersion(env.db.prisma, {
    teamId: w.teamA.id,
    name: "walk-held-out",
    format: "classification",
  });
  al.heldOutId = heldOut.id;
  const p = await env.db.prisma.activeLearningProject.create({
    data: {
      teamId: w.teamA.id,
      name: "walk-project",
      task: "classification",
      labels: [{ name: "positive" }, { name: "negative" }],
      baseModelId: w.sharedModel.id,
      strategy: "margin",
      hyperparameters: {},
      poolVersionId: w.textA.id,
      heldOutVersionId: heldOut.id,
    },
  });
  al.projectId = p.id;
  const round = await env.db.prisma.activeLearningRound.create({
    data: {
      projectId: p.id,
      number: 1,
      scoringModelId: w.sharedModel.id,
      strategy: "margin",
      batchSize: 1,
      state: "succeeded",
    },
  });
  al.roundId = round.id;
  al.itemId = (
    await env.db.prisma.activeLearningItem.create({
      data: {
        projectId: p.id,
        roundId: round.id,
        poolRow: 7,
        text: "walk",
        score: 1,
        rank: 1,
        prediction: {},
        reason: "walk",
      },
    })
  ).id;
  al.simulationId = (
    await env.db.prisma.activeLearningSimulation.create({
      data: { projectId: p.id, datasetVersionId: heldOut.id, strategies: ["margin"], settings: {} },
    })
  ).id;
  // The chat dataset's file, for the procedures that read it (readiness, cleaning).
  const chatRow = (i: number) =>
    JSON.stringify({
      messages: [
        { role: "user", content: `question ${i}` },
        { role: "assistant", content: `answer ${i}` },
      ],
    });
  await env.deps.storage.put(
    w.chatA.blobKey,
    Readable.from([Buffer.from(Array.from({ length: 64 }, (_, i) => chatRow(i)).join("\n") + "\n")]),
  );
  augmentationA = await env.db.prisma.augmentation.create({
    data: { teamId: w.teamA.id, sourceVersionId: w.chatA.id, method: "perturb", settings: {} },
  });
  keyB = (await seedApiKey(env.db.prisma, { teamId: w.teamB.id, userId: w.ownerB.id, role: "owner" })).key;
  viewerKeyA = (await seedApiKey(env.db.prisma, { teamId: w.teamA.id, userId: w.ownerA.id, role: "viewer" })).key;
});
afterAll(() => env?.close());

describe("tenant isolation walk", () => {
  it("covers every procedure: each is walked or exempt with a reason, and the table has no stale entries", () => {
    const all = Object.keys(procedures).sort();
    const missing = all.filter((p) => !(p in WALK) && !(p in EXEMPT));
    expect(missing, "procedures neither walked nor exempt").toEqual([]);
    const stale = [...Object.keys(WALK), ...Object.keys(EXEMPT)].filter((p) => !all.includes(p));
    expect(stale, "table entries for procedures that no longer exist").toEqual([]);
    expect(Object.keys(WALK).filter((p) => p in EXEMPT)).toEqual([]);
    for (const [p, why] of Object.entries(EXEMPT)) expect(why.length, `reason for ${p}`).toBeGreaterThan(10);
  });

  it("refuses team B's session pointing at team A's slug on every team-scoped procedure", async () => {
    const caller = env.as(w.ownerB, w.teamA.slug) as unknown as AnyCaller;
    for (const [path, entry] of Object.entries(WALK)) {
      const r = await call(caller, path, entry.input(w));
      expect(r.ok ? "ok" : r.error.code, path).toBe("NOT_FOUND");
    }
  });

  for (const via of ["session", "apiKey"] as const) {
    it(`gives team B (${via}) none of team A's objects`, async () => {
      const caller = (via === "session"
        ? env.as(w.ownerB, w.teamB.slug)
        : env.asCaller(await authenticateApiKey(env.db.prisma, `Bearer ${keyB}`), null)) as unknown as AnyCaller;
      for (const [path, entry] of Object.entries(WALK)) {
        const r = await call(caller, path, entry.input(w));
        if (entry.kind === "object") {
          const allowed = ["NOT_FOUND", "FORBIDDEN", ...(entry.alsoAllowed ? [entry.alsoAllowed] : [])];
          expect(r.ok ? "ok (leaked)" : r.error.code, path).toSatisfy((c: string) => allowed.includes(c));
        } else if (entry.kind === "list") {
          expect(r.ok, `${path} ${r.ok ? "" : r.error.message}`).toBe(true);
          if (r.ok) expect(entry.leaks(r.value, w), `${path} leaks team A's objects`).toBe(false);
        }
      }
      // Nothing of team A changed.
      expect(
        (await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: w.runningJobA.id } })).cancelRequestedAt,
      ).toBeNull();
      expect((await env.db.prisma.apiKey.findUniqueOrThrow({ where: { id: w.apiKeyA.id } })).revokedAt).toBeNull();
      expect(await env.db.prisma.dataset.count({ where: { id: w.textA.datasetId } })).toBe(1);
      expect(await env.db.prisma.membership.count({ where: { teamId: w.teamA.id } })).toBe(3);
      expect(await env.db.prisma.webhookEndpoint.count({ where: { id: webhookA.id } })).toBe(1);
      expect(
        (await env.db.prisma.fineTuneJob.findUniqueOrThrow({ where: { id: w.runningJobA.id } })).pauseRequestedAt,
      ).toBeNull();
      expect((await env.db.prisma.evaluation.findUniqueOrThrow({ where: { id: w.evaluationA.id } })).state).toBe(
        "queued",
      );
      const item = await env.db.prisma.activeLearningItem.findUniqueOrThrow({ where: { id: al.itemId } });
      expect(item).toMatchObject({ status: "pending", assigneeId: null, value: null });
      expect(await env.db.prisma.activeLearningProject.count({ where: { id: al.projectId } })).toBe(1);
      expect(await env.db.prisma.activeLearningRound.count({ where: { projectId: al.projectId } })).toBe(1);
      expect((await env.db.prisma.augmentation.findUniqueOrThrow({ where: { id: augmentationA.id } })).state).toBe(
        "queued",
      );
    });
  }

  for (const via of ["session", "apiKey"] as const) {
    it(`refuses every mutation to a viewer of team A (${via})`, async () => {
      const caller = (via === "session"
        ? env.as(w.viewerA, w.teamA.slug)
        : env.asCaller(await authenticateApiKey(env.db.prisma, viewerKeyA), null)) as unknown as AnyCaller;
      const mutations = Object.keys(WALK).filter((p) => procedures[p]!._def.type === "mutation");
      expect(mutations.length).toBeGreaterThan(5);
      for (const path of mutations) {
        const r = await call(caller, path, WALK[path]!.input(w));
        expect(r.ok ? "ok" : r.error.code, path).toBe("FORBIDDEN");
      }
    });
  }

  it("teams.listMine shows team B only its own teams", async () => {
    const mine = await env.as(w.ownerB).teams.listMine();
    expect(mine.map((t) => t.id)).toEqual([w.teamB.id]);
  });

  it("control: team A's owner reaches every walked object (reads succeed, writes are not refused)", async () => {
    const caller = env.as(w.ownerA, w.teamA.slug) as unknown as AnyCaller;
    // Destructive ones last, so they do not pull objects from under the others.
    const order = Object.keys(WALK).sort(
      (a, b) => Number(procedures[a]!._def.type === "mutation") - Number(procedures[b]!._def.type === "mutation"),
    );
    for (const path of order) {
      const r = await call(caller, path, WALK[path]!.input(w));
      if (procedures[path]!._def.type === "query")
        expect(r.ok ? "ok" : `${r.error.code}: ${r.error.message}`, path).toBe("ok");
      else expect(r.ok ? "ok" : r.error.code, path).not.toMatch(/NOT_FOUND|FORBIDDEN|UNAUTHORIZED/);
    }
  });
});
