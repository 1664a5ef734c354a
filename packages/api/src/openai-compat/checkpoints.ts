/**
 * /v1/fine_tuning/jobs/{id}/checkpoints: the job's checkpoints, newest step first, with the metrics the SDK declares
 * (`step`, `train_loss`, `valid_loss`, `valid_mean_token_accuracy`, and their `full_valid_*` when the validation pass
 * ran at that very step): the last value measured at or before the checkpoint's step.
 */
import type { PrismaClient } from "@whetstone/db";
import { invalidRequest } from "./errors";
import { checkpointId, CHECKPOINT_PREFIX, checkpointModelName, JOB_PREFIX, jobId, stripPrefix, unix } from "./ids";
import { fineTunedModelOf, type OpenAiTeam } from "./models";
import { noSuchJob } from "./fine-tuning-jobs";

const METRICS = ["train_loss", "val_loss", "val_accuracy", "val_token_accuracy"];

export async function listFineTuningJobCheckpoints(
  prisma: PrismaClient,
  team: OpenAiTeam,
  id: string,
  q: { after?: string | null; limit: number },
) {
  const job = await prisma.fineTuneJob.findFirst({
    where: { id: stripPrefix(id, JOB_PREFIX), teamId: team.id },
    select: { id: true, baseModelId: true, suffix: true },
  });
  if (!job) throw noSuchJob(id);
  let before: number | null = null;
  if (q.after) {
    const c = await prisma.checkpoint.findFirst({
      where: { id: stripPrefix(q.after, CHECKPOINT_PREFIX), jobId: job.id },
      select: { step: true },
    });
    if (!c) throw invalidRequest(`after: ${q.after} is not a checkpoint of ${id}`, "after");
    before = c.step;
  }
  const rows = await prisma.checkpoint.findMany({
    where: { jobId: job.id, ...(before !== null ? { step: { lt: before } } : {}) },
    orderBy: { step: "desc" },
    take: q.limit + 1,
    select: { id: true, step: true, createdAt: true },
  });
  const page = rows.slice(0, q.limit);
  const points = page.length
    ? await prisma.metricPoint.findMany({
        where: { jobId: job.id, name: { in: METRICS }, step: { lte: page[0]!.step } },
        orderBy: { step: "asc" },
        select: { step: true, name: true, value: true },
      })
    : [];
  const model = await fineTunedModelOf(prisma, team, job);
  const data = page.map((c) => {
    const last = (name: string) => {
      let found: { step: number; value: number } | null = null;
      for (const p of points) if (p.name === name && p.step <= c.step) found = p;
      return found;
    };
    const metrics: Record<string, number> = { step: c.step };
    const train = last("train_loss");
    if (train) metrics.train_loss = train.value;
    const val = last("val_loss");
    if (val) {
      metrics.valid_loss = val.value;
      if (val.step === c.step) metrics.full_valid_loss = val.value;
    }
    const acc = last("val_token_accuracy") ?? last("val_accuracy");
    if (acc) {
      metrics.valid_mean_token_accuracy = acc.value;
      if (acc.step === c.step) metrics.full_valid_mean_token_accuracy = acc.value;
    }
    return {
      id: checkpointId(c.id),
      object: "fine_tuning.job.checkpoint" as const,
      created_at: unix(c.createdAt),
      fine_tuned_model_checkpoint: checkpointModelName(model, c.step),
      fine_tuning_job_id: jobId(job.id),
      metrics,
      step_number: c.step,
    };
  });
  return {
    object: "list" as const,
    data,
    has_more: rows.length > q.limit,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}
