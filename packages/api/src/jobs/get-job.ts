import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";
import { parseStateEventMessage } from "./job-events";
import { jobSummarySelect, toJobSummary } from "./job-summary";

/** A job with its datasets, base model (and lineage), artifacts, checkpoints and state timeline. */
export async function getJob(prisma: PrismaClient, teamId: string, id: string) {
  const job = await prisma.fineTuneJob.findFirst({
    where: { id, teamId },
    select: {
      ...jobSummarySelect,
      hyperparameters: true,
      validationSplit: true,
      seed: true,
      requiredVramMb: true,
      gpuCount: true,
      parallelism: true,
      attempt: true,
      enqueuedAt: true,
      summary: true,
      updatedAt: true,
      baseModel: {
        select: { id: true, name: true, source: true, ref: true, parent: { select: { id: true, name: true } } },
      },
      producedModel: { select: { id: true, name: true } },
      artifacts: {
        orderBy: { createdAt: "asc" },
        select: { id: true, kind: true, name: true, key: true, bytes: true, sha256: true, createdAt: true },
      },
      checkpoints: {
        orderBy: { step: "asc" },
        select: { id: true, step: true, key: true, bytes: true, files: true, createdAt: true },
      },
      events: {
        where: { kind: "state" },
        orderBy: [{ createdAt: "asc" }, { id: "asc" }],
        select: { message: true, createdAt: true, level: true },
      },
    },
  });
  if (!job) throw notFound(`job "${id}"`);
  const { hyperparameters, summary, artifacts, checkpoints, events, baseModel, producedModel, ...rest } = job;
  const base = toJobSummary({ ...rest, baseModel: { id: baseModel.id, name: baseModel.name } });
  return {
    ...base,
    baseModel: { ...baseModel },
    producedModel,
    validationSplit: rest.validationSplit,
    seed: rest.seed,
    requiredVramMb: rest.requiredVramMb,
    gpuCount: rest.gpuCount,
    parallelism: rest.parallelism,
    attempt: rest.attempt,
    enqueuedAt: rest.enqueuedAt,
    updatedAt: rest.updatedAt,
    hyperparameters: (hyperparameters ?? {}) as Record<string, unknown>,
    summary: (summary ?? null) as Record<string, unknown> | null,
    artifacts: artifacts.map((a) => ({ ...a, bytes: Number(a.bytes) })),
    checkpoints: checkpoints.map((c) => ({
      ...c,
      bytes: Number(c.bytes),
      files: (c.files ?? null) as { name: string; bytes: number; sha256: string }[] | null,
    })),
    timeline: events.map((e) => {
      const parsed = parseStateEventMessage(e.message);
      return { state: parsed.state, reason: parsed.reason, level: e.level, at: e.createdAt };
    }),
  };
}
