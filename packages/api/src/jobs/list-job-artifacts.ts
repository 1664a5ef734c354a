import type { PrismaClient } from "@whetstone/db";
import { notFound } from "../errors";

export async function listJobArtifacts(prisma: PrismaClient, teamId: string, id: string) {
  const job = await prisma.fineTuneJob.findFirst({ where: { id, teamId }, select: { id: true } });
  if (!job) throw notFound(`job "${id}"`);
  const rows = await prisma.artifact.findMany({
    where: { jobId: job.id },
    orderBy: [{ kind: "asc" }, { name: "asc" }],
    select: { id: true, kind: true, name: true, key: true, bytes: true, sha256: true, createdAt: true },
  });
  return rows.map((a) => ({ ...a, bytes: Number(a.bytes) }));
}
