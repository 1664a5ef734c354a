/**
 * A round's `score` job: the payload (the pool, the scoring model, the rows already picked) and what its success
 * stores — the picked rows, read from the selection file the runner wrote, become the round's items.
 */
import { createHash } from "node:crypto";
import type { Prisma, PrismaClient } from "@whetstone/db";
import {
  scoreJobPayloadSchema,
  selectionRowSchema,
  STORAGE_LAYOUT,
  storageKey,
  type ScoreJobPayload,
  type SelectionRow,
} from "@whetstone/queue";
import { readBytes } from "../../evaluations/get-evaluation";
import { buildBaseModelRef } from "../../jobs/base-model-ref";
import { EnqueueError } from "../../jobs/enqueue-training-job";
import { payloadDatasets } from "../../jobs/payload-datasets";
import { labelNames } from "../project-labels";
import type { SucceededContext, SucceededOutcome, WorkKindSpec } from "../../runner-work/work-kinds";

export const activeLearningOutputPrefix = (projectId: string, runId: string) =>
  storageKey(STORAGE_LAYOUT.activeLearningOutput, { projectId, runId });

const selectionKey = (projectId: string, roundId: string) =>
  storageKey(STORAGE_LAYOUT.selection, { outputPrefix: activeLearningOutputPrefix(projectId, roundId) });

/** The round's maxSeqLength: the project's training setting when it has one (the model is scored as it trains). */
function maxSeqLengthOf(hyperparameters: unknown): number {
  const v = (hyperparameters as { maxSeqLength?: unknown } | null)?.maxSeqLength;
  return typeof v === "number" && Number.isInteger(v) ? v : 512;
}

async function buildScorePayload(prisma: PrismaClient, roundId: string): Promise<ScoreJobPayload> {
  const fail = (message: string) => new EnqueueError(roundId, message, "round");
  const round = await prisma.activeLearningRound.findUnique({
    where: { id: roundId },
    include: {
      scoringModel: { select: { name: true } },
      project: { include: { pool: { include: { dataset: { select: { name: true } } } } } },
    },
  });
  if (!round) throw fail("round not found");
  const { project } = round;
  const picked = await prisma.activeLearningItem.findMany({
    where: { projectId: project.id },
    select: { poolRow: true },
  });
  const payload = {
    kind: "score",
    schemaVersion: 1,
    jobId: round.id,
    teamId: project.teamId,
    task: project.task,
    labels: project.task === "classification" ? labelNames(project.labels) : [],
    model: {
      modelId: round.scoringModelId,
      label: round.scoringModel.name,
      ref: await buildBaseModelRef(prisma, round.scoringModelId, fail),
    },
    pool: payloadDatasets([{ datasetVersionId: project.poolVersionId, datasetVersion: project.pool }])[0],
    excludeRows: picked.map((p) => p.poolRow).sort((a, b) => a - b),
    strategy: round.strategy,
    batchSize: round.batchSize,
    maxCandidates: project.maxCandidates,
    maxSeqLength: maxSeqLengthOf(project.hyperparameters),
    seed: round.number,
    outputPrefix: activeLearningOutputPrefix(project.id, round.id),
  };
  const parsed = scoreJobPayloadSchema.safeParse(payload);
  if (!parsed.success) throw fail(`payload does not match the queue contract: ${parsed.error.message}`);
  return parsed.data;
}

/** Reads and checks the selection file; its rows become the round's items (pending, best first). */
async function scoreSucceeded({ tx, id, event, storage }: SucceededContext): Promise<SucceededOutcome> {
  const round = await tx.activeLearningRound.findUniqueOrThrow({
    where: { id },
    select: { projectId: true, batchSize: true, project: { select: { task: true, labels: true, pool: true } } },
  });
  const artifact = event.artifacts.find((a) => a.kind === "selection");
  const key = artifact?.key ?? selectionKey(round.projectId, id);
  if (!(await storage.stat(key))) return { ok: false, reason: `its selection ${key} is not in storage` };
  const bytes = await readBytes(storage, key);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (artifact && artifact.sha256 !== sha256) {
    return { ok: false, reason: `its selection ${key} does not match the sha256 it reported` };
  }
  const rows: SelectionRow[] = [];
  const lines = bytes.toString("utf8").split("\n");
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      return { ok: false, reason: `line ${i + 1} of its selection is not JSON` };
    }
    const r = selectionRowSchema.safeParse(json);
    if (!r.success) return { ok: false, reason: `line ${i + 1} of its selection: ${r.error.issues[0]?.message}` };
    rows.push(r.data);
  }
  if (rows.length > round.batchSize) {
    return { ok: false, reason: `it picked ${rows.length} rows, more than the batch of ${round.batchSize}` };
  }
  const poolRows = round.project.pool.rowCount;
  const bad = rows.find((r) => r.row >= poolRows);
  if (bad) return { ok: false, reason: `it picked row ${bad.row}, outside the pool of ${poolRows} rows` };
  const labels = new Set(labelNames(round.project.labels));
  const unknownLabel = rows.find((r) => "label" in r.prediction && !labels.has(r.prediction.label));
  if (round.project.task === "classification" && unknownLabel) {
    return { ok: false, reason: `it predicted a label outside the project's set for row ${unknownLabel.row}` };
  }
  // A row picked twice (by an earlier round that raced) keeps its first item: skipDuplicates on (projectId, poolRow).
  await tx.activeLearningItem.createMany({
    data: rows.map((r) => ({
      projectId: round.projectId,
      roundId: id,
      poolRow: r.row,
      text: r.text,
      score: r.score,
      rank: r.rank,
      prediction: r.prediction as Prisma.InputJsonObject,
      reason: r.reason,
    })),
    skipDuplicates: true,
  });
  return {
    ok: true,
    data: {
      selectionKey: key,
      selectionSha256: sha256,
      summary: { ...event.summary, picked: rows.length } as Prisma.InputJsonObject,
    },
  };
}

export const SCORE_WORK: WorkKindSpec = {
  kind: "score",
  table: "ActiveLearningRound",
  noun: "round",
  teamWhere: (teamId) => ({ project: { teamId } }),
  progress: { done: "rows_done", total: "rows_total", doneColumn: "progressDone", totalColumn: "progressTotal" },
  delegate: (client) => client.activeLearningRound as unknown as ReturnType<WorkKindSpec["delegate"]>,
  buildPayload: buildScorePayload,
  succeeded: scoreSucceeded,
};
