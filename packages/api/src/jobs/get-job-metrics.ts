import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";

/** Every metric point of a job, grouped by name into series ordered by step; `sinceStep` keeps steps after it. */
export async function getJobMetrics(
  prisma: PrismaClient,
  teamId: string,
  input: { id: string; sinceStep?: number | null },
) {
  const job = await prisma.fineTuneJob.findFirst({ where: { id: input.id, teamId }, select: { id: true } });
  if (!job) throw notFound(`job "${input.id}"`);
  const points = await prisma.metricPoint.findMany({
    where: { jobId: job.id, ...(input.sinceStep != null ? { step: { gt: input.sinceStep } } : {}) },
    orderBy: [{ name: "asc" }, { step: "asc" }],
    select: { name: true, step: true, epoch: true, value: true },
  });
  const series = new Map<string, { step: number; epoch: number; value: number }[]>();
  let lastStep: number | null = input.sinceStep ?? null;
  for (const p of points) {
    let s = series.get(p.name);
    if (!s) series.set(p.name, (s = []));
    s.push({ step: p.step, epoch: p.epoch, value: p.value });
    if (lastStep === null || p.step > lastStep) lastStep = p.step;
  }
  return { series: [...series].map(([name, points]) => ({ name, points })), lastStep };
}
