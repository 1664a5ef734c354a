import type { PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { notFound } from "../errors";
import { readEvaluationSettings } from "./evaluation-settings";
import { readReport, type EvaluationReport } from "./evaluation-report";
import { evaluationViewSelect, toEvaluationView } from "./evaluation-view";

/**
 * An evaluation with its summary and, once it succeeded, the whole report read from blob storage (per-task extras,
 * flips with their examples). A report that cannot be read any more is answered as `report: null` with the reason.
 */
export async function getEvaluation(deps: { prisma: PrismaClient; storage: BlobStorage }, teamId: string, id: string) {
  const e = await deps.prisma.evaluation.findFirst({
    where: { id, teamId },
    select: {
      ...evaluationViewSelect,
      settings: true,
      updatedAt: true,
      reportKey: true,
      reportBytes: true,
      reportSha256: true,
    },
  });
  if (!e) throw notFound(`evaluation "${id}"`);
  const { settings, updatedAt, reportKey, reportBytes, reportSha256, ...row } = e;

  let report: EvaluationReport | null = null;
  let reportError: string | null = null;
  if (e.state === "succeeded" && reportKey) {
    try {
      const read = readReport(await readText(deps.storage, reportKey));
      if (read.ok) report = read.report;
      else reportError = `the report at ${reportKey} is ${read.reason}`;
    } catch (err) {
      reportError = `the report at ${reportKey} could not be read: ${(err as Error).message}`;
    }
  }
  return {
    ...toEvaluationView(row),
    settings: readEvaluationSettings(settings),
    updatedAt,
    reportKey,
    reportBytes: reportBytes === null ? null : Number(reportBytes),
    reportSha256,
    report,
    reportError,
  };
}

export async function readText(storage: BlobStorage, key: string): Promise<string> {
  return (await readBytes(storage, key)).toString("utf8");
}

export async function readBytes(storage: BlobStorage, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.get(key)) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The listing shape of one evaluation (what create and cancel answer). */
export async function getEvaluationView(prisma: PrismaClient, teamId: string, id: string) {
  const e = await prisma.evaluation.findFirst({ where: { id, teamId }, select: evaluationViewSelect });
  if (!e) throw notFound(`evaluation "${id}"`);
  return toEvaluationView(e);
}
