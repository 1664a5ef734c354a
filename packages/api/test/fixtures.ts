/**
 * Seed functions that double as test fixtures: each inserts rows directly (no ingest, no queue) and returns them.
 * `seedWorld` builds the two-team world the router tests and the tenant-isolation walk share.
 */
import { randomBytes } from "node:crypto";
import type { DatasetProfile, DatasetFormat, JobState } from "@whetstone/core";
import { DEFAULT_HYPERPARAMETERS } from "@whetstone/core";
import type { PrismaClient, Role } from "@whetstone/db";
import { hashPassword } from "../src/auth/sign-up";
import { generateApiKey } from "../src/api-keys/api-key-token";

const uid = () => randomBytes(4).toString("hex");

export async function seedUser(
  prisma: PrismaClient,
  opts: { email?: string; name?: string; isAdmin?: boolean; password?: string } = {},
) {
  return prisma.user.create({
    data: {
      email: opts.email ?? `user-${uid()}@example.com`,
      name: opts.name ?? null,
      isAdmin: opts.isAdmin ?? false,
      passwordHash: opts.password ? await hashPassword(opts.password) : null,
    },
  });
}

export async function seedTeam(
  prisma: PrismaClient,
  opts: { name?: string; members: { userId: string; role: Role }[] },
) {
  const name = opts.name ?? `Team ${uid()}`;
  return prisma.team.create({
    data: {
      name,
      slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${uid()}`,
      memberships: { create: opts.members.map((m) => ({ userId: m.userId, role: m.role })) },
    },
  });
}

export async function seedBaseModel(
  prisma: PrismaClient,
  opts: {
    teamId: string | null;
    name?: string;
    source?: "huggingface" | "local" | "artifact";
    ref?: string;
    parentId?: string;
    sourceJobId?: string;
    artifactKind?: "adapter" | "merged";
  },
) {
  const source = opts.source ?? "huggingface";
  return prisma.baseModel.create({
    data: {
      teamId: opts.teamId,
      name: opts.name ?? `model-${uid()}`,
      source,
      ref:
        opts.ref ??
        (source === "huggingface"
          ? "Qwen/Qwen2.5-0.5B"
          : source === "local"
            ? "/models/tiny"
            : `jobs/${opts.sourceJobId}/artifacts/`),
      parentId: opts.parentId ?? null,
      sourceJobId: opts.sourceJobId ?? null,
      artifactKind: opts.artifactKind ?? null,
      parameterCount: 494_000_000n,
      contextLength: 32768,
    },
  });
}

export function profileFor(format: DatasetFormat, rows: number): DatasetProfile {
  const sample =
    format === "chat"
      ? [
          {
            messages: [
              { role: "user", content: "hi" },
              { role: "assistant", content: "hello" },
            ],
          },
        ]
      : format === "text"
        ? [{ text: "The court held that…" }]
        : format === "classification"
          ? [{ text: "great product", label: "positive" }]
          : [{ prompt: "2+2=", completion: "4" }];
  return {
    format,
    container: "jsonl",
    rows,
    emptyRows: 0,
    duplicateRows: 0,
    fields: Object.keys(sample[0]!),
    lengthHistogram: [{ start: 0, end: 100, count: rows }],
    lengthStats: { min: 5, max: 90, mean: 40, p50: 38, p95: 85 },
    approxTokens: rows * 10,
    labels: format === "classification" ? { positive: rows } : null,
    sample,
    totalChars: rows * 40,
    lengthStatsExact: true,
    duplicatesExact: true,
  };
}

/** A dataset (created if its name is new in the team) with one more version in the given format. */
export async function seedDatasetVersion(
  prisma: PrismaClient,
  opts: { teamId: string; name?: string; format?: DatasetFormat; rows?: number },
) {
  const name = opts.name ?? `dataset-${uid()}`;
  const format = opts.format ?? "chat";
  const rows = opts.rows ?? 64;
  const dataset = await prisma.dataset.upsert({
    where: { teamId_name: { teamId: opts.teamId, name } },
    create: { teamId: opts.teamId, name },
    update: {},
  });
  const version = (await prisma.datasetVersion.count({ where: { datasetId: dataset.id } })) + 1;
  const id = `dv_${uid()}${uid()}`;
  return prisma.datasetVersion.create({
    data: {
      id,
      datasetId: dataset.id,
      version,
      blobKey: `datasets/${opts.teamId}/${id}/data.jsonl`,
      filename: `${name}.jsonl`,
      container: "jsonl",
      format,
      rowCount: rows,
      bytes: BigInt(rows * 120),
      sha256: randomBytes(32).toString("hex"),
      profile: profileFor(format, rows) as object,
    },
    include: { dataset: true },
  });
}

/** A job row written directly, in any state (no queue). */
export async function seedJob(
  prisma: PrismaClient,
  opts: {
    teamId: string;
    baseModelId: string;
    datasetVersionIds: string[];
    state?: JobState;
    name?: string;
    createdAt?: Date;
    createdById?: string;
  },
) {
  const state = opts.state ?? "queued";
  return prisma.fineTuneJob.create({
    data: {
      teamId: opts.teamId,
      createdById: opts.createdById ?? null,
      name: opts.name ?? `job-${uid()}`,
      baseModelId: opts.baseModelId,
      technique: "sft",
      method: "lora",
      hyperparameters: DEFAULT_HYPERPARAMETERS,
      validationSplit: DEFAULT_HYPERPARAMETERS.validationSplit,
      seed: DEFAULT_HYPERPARAMETERS.seed,
      state,
      queuedAt: new Date(),
      startedAt: state === "running" || state === "succeeded" ? new Date() : null,
      finishedAt: ["succeeded", "failed", "cancelled"].includes(state) ? new Date() : null,
      createdAt: opts.createdAt,
      datasets: { create: opts.datasetVersionIds.map((id) => ({ datasetVersionId: id, weight: 1 })) },
      events: { create: { kind: "state", message: state } },
    },
  });
}

/** An API key row with a real key; returns the plain key too. */
export async function seedApiKey(
  prisma: PrismaClient,
  opts: { teamId: string; userId: string; role?: Role; isAdmin?: boolean; name?: string },
) {
  const { key, prefix, hash } = generateApiKey();
  const row = await prisma.apiKey.create({
    data: {
      teamId: opts.teamId,
      createdById: opts.userId,
      name: opts.name ?? "test key",
      prefix,
      hash,
      role: opts.role ?? "member",
      isAdmin: opts.isAdmin ?? false,
    },
  });
  return { ...row, key };
}

/**
 * Two teams. A: owner, member, viewer, with a private local model, an artifact model (lineage), chat + text
 * datasets, a running job with events, metrics, a checkpoint and artifacts, a queued evaluation of the done job's
 * test split, and an API key. B: one owner, its own
 * chat dataset. One instance-wide Hugging Face model. An instance admin who belongs to no team.
 */
export async function seedWorld(prisma: PrismaClient) {
  const admin = await seedUser(prisma, { email: `admin-${uid()}@example.com`, isAdmin: true });
  const ownerA = await seedUser(prisma, { email: `owner-a-${uid()}@example.com`, name: "Owner A" });
  const memberA = await seedUser(prisma, { email: `member-a-${uid()}@example.com` });
  const viewerA = await seedUser(prisma, { email: `viewer-a-${uid()}@example.com` });
  const ownerB = await seedUser(prisma, { email: `owner-b-${uid()}@example.com` });
  const teamA = await seedTeam(prisma, {
    name: "Team A",
    members: [
      { userId: ownerA.id, role: "owner" },
      { userId: memberA.id, role: "member" },
      { userId: viewerA.id, role: "viewer" },
    ],
  });
  const teamB = await seedTeam(prisma, { name: "Team B", members: [{ userId: ownerB.id, role: "owner" }] });

  const sharedModel = await seedBaseModel(prisma, { teamId: null, name: `shared-qwen-${uid()}` });
  const localModelA = await seedBaseModel(prisma, {
    teamId: teamA.id,
    name: "tiny-local",
    source: "local",
    ref: "/models/tiny",
  });
  const chatA = await seedDatasetVersion(prisma, { teamId: teamA.id, name: "support-chat", format: "chat" });
  const textA = await seedDatasetVersion(prisma, { teamId: teamA.id, name: "contracts", format: "text" });
  const chatB = await seedDatasetVersion(prisma, { teamId: teamB.id, name: "b-chat", format: "chat" });
  const modelB = await seedBaseModel(prisma, { teamId: teamB.id, name: "b-model", source: "local", ref: "/models/b" });

  const doneJobA = await seedJob(prisma, {
    teamId: teamA.id,
    baseModelId: sharedModel.id,
    datasetVersionIds: [chatA.id],
    state: "succeeded",
  });
  const artifactModelA = await seedBaseModel(prisma, {
    teamId: teamA.id,
    name: "support-v1",
    source: "artifact",
    parentId: sharedModel.id,
    sourceJobId: doneJobA.id,
    artifactKind: "adapter",
  });
  await prisma.artifact.create({
    data: {
      jobId: doneJobA.id,
      kind: "adapter",
      name: "adapter_model.safetensors",
      key: `jobs/${doneJobA.id}/artifacts/adapter_model.safetensors`,
      bytes: 52_000n,
      sha256: "c".repeat(64),
    },
  });
  const runningJobA = await seedJob(prisma, {
    teamId: teamA.id,
    baseModelId: localModelA.id,
    datasetVersionIds: [chatA.id],
    state: "running",
  });
  await prisma.metricPoint.createMany({
    data: [
      { jobId: runningJobA.id, step: 10, epoch: 0.1, name: "train_loss", value: 2.5 },
      { jobId: runningJobA.id, step: 20, epoch: 0.2, name: "train_loss", value: 2.1 },
      { jobId: runningJobA.id, step: 20, epoch: 0.2, name: "val_loss", value: 2.3 },
    ],
  });
  await prisma.checkpoint.create({
    data: { jobId: runningJobA.id, step: 20, key: `jobs/${runningJobA.id}/checkpoints/step-20/`, bytes: 1000n },
  });
  const apiKeyA = await seedApiKey(prisma, { teamId: teamA.id, userId: ownerA.id, name: "ci" });
  // Queued, never enqueued (nothing on a queue): the walk reads and cancels it.
  const evaluationA = await prisma.evaluation.create({
    data: {
      teamId: teamA.id,
      createdById: ownerA.id,
      name: "support-v1 vs shared",
      technique: "sft",
      sourceJobId: doneJobA.id,
      splitKind: "test",
      splitFraction: 0.1,
      seed: 42,
      settings: {},
      models: {
        create: [
          { position: 0, baseModelId: sharedModel.id, label: sharedModel.name },
          { position: 1, baseModelId: artifactModelA.id, label: artifactModelA.name },
        ],
      },
      datasets: { create: [{ datasetVersionId: chatA.id }] },
    },
  });

  return {
    admin,
    ownerA,
    memberA,
    viewerA,
    ownerB,
    teamA,
    teamB,
    sharedModel,
    localModelA,
    artifactModelA,
    modelB,
    chatA,
    textA,
    chatB,
    doneJobA,
    runningJobA,
    apiKeyA,
    evaluationA,
  };
}
export type World = Awaited<ReturnType<typeof seedWorld>>;
