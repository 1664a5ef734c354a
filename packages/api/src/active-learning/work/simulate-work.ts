/**
 * A `simulate` job: the payload (the labelled dataset, the project's base model as the frozen embedder, the
 * strategies) and what its success stores — the report's curves, read from the file the runner wrote.
 */
import { createHash } from "node:crypto";
import type { Prisma, PrismaClient } from "@whetstone/db";
import {
  simulationJobPayloadSchema,
  simulationReportSchema,
  STORAGE_LAYOUT,
  storageKey,
  type SimulationJobPayload,
} from "@whetstone/queue";
import { readBytes } from "../../evaluations/get-evaluation";
import { buildBaseModelRef } from "../../jobs/base-model-ref";
import { EnqueueError } from "../../jobs/enqueue-training-job";
import { payloadDatasets } from "../../jobs/payload-datasets";
import { labelNames } from "../project-labels";
import { simulationSettingsSchema } from "../simulation-settings";
import { activeLearningOutputPrefix } from "./score-work";
import type { SucceededContext, SucceededOutcome, WorkKindSpec } from "../../runner-work/work-kinds";

async function buildSimulationPayload(prisma: PrismaClient, id: string): Promise<SimulationJobPayload> {
  const fail = (message: string) => new EnqueueError(id, message, "simulation");
  const sim = await prisma.activeLearningSimulation.findUnique({
    where: { id },
    include: {
      datasetVersion: { include: { dataset: { select: { name: true } } } },
      project: { include: { baseModel: { select: { name: true } } } },
    },
  });
  if (!sim) throw fail("simulation not found");
  const settings = simulationSettingsSchema.parse(sim.settings);
  const payload = {
    kind: "simulate",
    schemaVersion: 1,
    jobId: sim.id,
    teamId: sim.project.teamId,
    model: {
      modelId: sim.project.baseModelId,
      label: sim.project.baseModel.name,
      ref: await buildBaseModelRef(prisma, sim.project.baseModelId, fail),
    },
    dataset: payloadDatasets([{ datasetVersionId: sim.datasetVersionId, datasetVersion: sim.datasetVersion }])[0],
    labels: labelNames(sim.project.labels),
    strategies: sim.strategies,
    ...settings,
    outputPrefix: activeLearningOutputPrefix(sim.projectId, sim.id),
  };
  const parsed = simulationJobPayloadSchema.safeParse(payload);
  if (!parsed.success) throw fail(`payload does not match the queue contract: ${parsed.error.message}`);
  return parsed.data;
}

async function simulationSucceeded({ tx, id, event, storage }: SucceededContext): Promise<SucceededOutcome> {
  const sim = await tx.activeLearningSimulation.findUniqueOrThrow({ where: { id }, select: { projectId: true } });
  const artifact = event.artifacts.find((a) => a.kind === "simulation_report");
  const key =
    artifact?.key ??
    storageKey(STORAGE_LAYOUT.simulationReport, { outputPrefix: activeLearningOutputPrefix(sim.projectId, id) });
  if (!(await storage.stat(key))) return { ok: false, reason: `its report ${key} is not in storage` };
  const bytes = await readBytes(storage, key);
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (artifact && artifact.sha256 !== sha256) {
    return { ok: false, reason: `its report ${key} does not match the sha256 it reported` };
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { ok: false, reason: `its report ${key} is not JSON` };
  }
  const report = simulationReportSchema.safeParse(json);
  if (!report.success) {
    const issue = report.error.issues[0]!;
    return {
      ok: false,
      reason: `its report ${key} is not a version-1 report (${issue.path.join(".")}: ${issue.message})`,
    };
  }
  return {
    ok: true,
    data: { report: report.data as unknown as Prisma.InputJsonObject, reportKey: key, reportSha256: sha256 },
  };
}

export const SIMULATE_WORK: WorkKindSpec = {
  kind: "simulate",
  table: "ActiveLearningSimulation",
  noun: "simulation",
  teamWhere: (teamId) => ({ project: { teamId } }),
  progress: { done: "steps_done", total: "steps_total", doneColumn: "progressDone", totalColumn: "progressTotal" },
  delegate: (client) => client.activeLearningSimulation as unknown as ReturnType<WorkKindSpec["delegate"]>,
  buildPayload: buildSimulationPayload,
  succeeded: simulationSucceeded,
};
