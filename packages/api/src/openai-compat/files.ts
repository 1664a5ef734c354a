/**
 * /v1/files over dataset versions (decision 0010). An upload with `purpose=fine-tune` is streamed into
 * `ingestDataset` exactly like a dashboard upload — stored, parsed and validated line by line (a bad line is a 400
 * naming it), profiled and checked for readiness — and becomes version 1 of a dataset of its own, named after the
 * file (`train.jsonl`, `train.jsonl (2)`…), so that deleting the file deletes that dataset. Every dataset version of
 * the team is a file (`file-<version id>`), whatever uploaded it. A succeeded job's results CSV is a file with
 * purpose `fine-tune-results`, made from its metrics when read.
 */
import { Readable } from "node:stream";
import { Prisma, type PrismaClient } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { deleteDataset } from "../datasets/delete-dataset";
import { ingestDataset } from "../datasets/ingest-dataset";
import { invalidRequest, notFoundError, OpenAiError } from "./errors";
import { fileId, parseFileId, resultFileId, unix } from "./ids";
import type { OpenAiTeam } from "./models";
import { resultsCsv } from "./results-file";

export interface FileObject {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: "fine-tune" | "fine-tune-results";
  status: "processed";
  status_details: null;
}

export interface FilesDeps {
  prisma: PrismaClient;
  storage: BlobStorage;
  config: { maxUploadBytes: number };
}

export interface FileActor {
  team: OpenAiTeam;
  userId: string;
}

export const FINE_TUNE_PURPOSE = "fine-tune";
const PURPOSES = ["assistants", "batch", "fine-tune", "vision", "user_data", "evals"];

/** Refuses every purpose but `fine-tune`, as a 400 naming `purpose`. */
export function assertFineTunePurpose(purpose: string | undefined): void {
  if (purpose === FINE_TUNE_PURPOSE) return;
  if (purpose === undefined || purpose === "") {
    throw invalidRequest("Missing required parameter: 'purpose'.", "purpose", "missing_required_parameter");
  }
  throw invalidRequest(
    PURPOSES.includes(purpose)
      ? `Whetstone stores files for fine-tuning only: purpose '${purpose}' is not supported here; use 'fine-tune'.`
      : `'${purpose}' is not one of ${PURPOSES.map((p) => `'${p}'`).join(", ")} - 'purpose'`,
    "purpose",
    "invalid_value",
  );
}

/** OpenAI takes JSONL for fine-tuning, and so does this API (the dashboard also takes CSV and TSV). */
function assertJsonl(filename: string): void {
  if (/\.jsonl$/i.test(filename)) return;
  throw invalidRequest(
    `Invalid file format for Fine-Tuning API. Must be .jsonl (got "${filename}").`,
    "file",
    "invalid_file_format",
  );
}

async function freeDatasetName(prisma: PrismaClient, teamId: string, filename: string): Promise<string> {
  const base = filename.slice(0, 180);
  const taken = new Set(
    (
      await prisma.dataset.findMany({
        where: { teamId, name: { startsWith: base } },
        select: { name: true },
      })
    ).map((d) => d.name),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) if (!taken.has(`${base} (${n})`)) return `${base} (${n})`;
}

export interface UploadedFile {
  body: AsyncIterable<Uint8Array>;
  filename: string | null;
  /** `purpose` when the form sent it before the file; otherwise read from `rest` once the file is stored. */
  purpose?: string;
  /** Every form field, once the whole body has been read. */
  rest: () => Promise<Record<string, string>>;
}

export async function createFile(deps: FilesDeps, actor: FileActor, upload: UploadedFile): Promise<FileObject> {
  if (upload.purpose !== undefined) assertFineTunePurpose(upload.purpose);
  const filename = (upload.filename ?? "").split(/[\\/]/).pop() || "";
  if (!filename) throw invalidRequest("the file part has no file name", "file");
  assertJsonl(filename);
  const version = await ingestDataset(deps, {
    teamId: actor.team.id,
    userId: actor.userId,
    datasetName: await freeDatasetName(deps.prisma, actor.team.id, filename),
    description: "uploaded through the OpenAI-compatible API (/v1/files)",
    filename,
    body: upload.body,
  }).catch((err: unknown) => {
    throw withParam(err, "file");
  });
  if (upload.purpose === undefined) {
    const purpose = (await upload.rest()).purpose;
    try {
      assertFineTunePurpose(purpose);
    } catch (err) {
      // The form sent `purpose` after the file: the file is stored by now; take it back.
      await deleteDataset(deps, { teamId: actor.team.id, userId: actor.userId }, version.datasetId).catch(
        () => undefined,
      );
      throw err;
    }
  }
  return toFileObject({ ...version, bytes: Number(version.bytes) });
}

function withParam(err: unknown, param: string): unknown {
  if (err instanceof OpenAiError) return err;
  const e = err as { code?: string; details?: Record<string, unknown>; message?: string };
  if (e?.code === "BAD_REQUEST" && e.details) {
    // Where in the file: OpenAI's messages name the line, so do these ("line 3: field "messages"…").
    const line = typeof e.details.line === "number" ? e.details.line : null;
    const message = line !== null && !/line \d+/i.test(e.message ?? "") ? `line ${line}: ${e.message}` : e.message!;
    return invalidRequest(message, param, "invalid_file");
  }
  return err;
}

function toFileObject(v: { id: string; bytes: number; createdAt: Date; filename: string }): FileObject {
  return {
    id: fileId(v.id),
    object: "file",
    bytes: v.bytes,
    created_at: unix(v.createdAt),
    filename: v.filename,
    purpose: "fine-tune",
    status: "processed",
    status_details: null,
  };
}

async function resultFileObject(
  prisma: PrismaClient,
  job: { id: string; finishedAt: Date | null; createdAt: Date },
): Promise<FileObject> {
  const csv = await resultsCsv(prisma, job.id);
  return {
    id: resultFileId(job.id),
    object: "file",
    bytes: Buffer.byteLength(csv),
    created_at: unix(job.finishedAt ?? job.createdAt),
    filename: "step_metrics.csv",
    purpose: "fine-tune-results",
    status: "processed",
    status_details: null,
  };
}

export const noSuchFile = (id: string, param: string | null = null) =>
  notFoundError(`No such File object: ${id}`, param);

async function findVersion(prisma: PrismaClient, teamId: string, id: string) {
  const parsed = parseFileId(id);
  if (parsed?.kind !== "dataset") return null;
  return prisma.datasetVersion.findFirst({
    where: { id: parsed.id, dataset: { teamId } },
    select: { id: true, bytes: true, createdAt: true, filename: true, blobKey: true, datasetId: true },
  });
}

async function findResultJob(prisma: PrismaClient, teamId: string, id: string) {
  const parsed = parseFileId(id);
  if (parsed?.kind !== "result") return null;
  return prisma.fineTuneJob.findFirst({
    where: { id: parsed.jobId, teamId, state: "succeeded" },
    select: { id: true, finishedAt: true, createdAt: true },
  });
}

/** A dataset version of the team by its file id (`training_file`), or null. */
export async function datasetVersionOfFile(prisma: PrismaClient, teamId: string, id: string) {
  return findVersion(prisma, teamId, id);
}

export async function retrieveFile(prisma: PrismaClient, team: OpenAiTeam, id: string): Promise<FileObject> {
  const v = await findVersion(prisma, team.id, id);
  if (v) return toFileObject({ ...v, bytes: Number(v.bytes) });
  const job = await findResultJob(prisma, team.id, id);
  if (job) return resultFileObject(prisma, job);
  throw noSuchFile(id);
}

export interface ListFilesQuery {
  after?: string | null;
  limit: number;
  order: "asc" | "desc";
  purpose?: string | null;
}

interface FileRow {
  id: string;
  created: Date;
  kind: "dataset" | "result";
  filename: string;
  bytes: bigint | null;
  finishedAt: Date | null;
}

/** Newest first by default; `after` is the last file id of the previous page. */
export async function listFiles(
  prisma: PrismaClient,
  team: OpenAiTeam,
  q: ListFilesQuery,
): Promise<{ object: "list"; data: FileObject[]; has_more: boolean; first_id: string | null; last_id: string | null }> {
  const wantData = !q.purpose || q.purpose === FINE_TUNE_PURPOSE;
  const wantResults = !q.purpose || q.purpose === "fine-tune-results";
  const parts: Prisma.Sql[] = [];
  if (wantData) {
    parts.push(Prisma.sql`
      SELECT ${"file-"} || dv.id AS id, dv."createdAt" AS created, 'dataset' AS kind, dv.filename, dv.bytes,
             NULL::timestamp AS "finishedAt"
      FROM "DatasetVersion" dv JOIN "Dataset" d ON d.id = dv."datasetId" WHERE d."teamId" = ${team.id}`);
  }
  if (wantResults) {
    parts.push(Prisma.sql`
      SELECT ${"file-result-"} || j.id AS id, COALESCE(j."finishedAt", j."createdAt") AS created, 'result' AS kind,
             'step_metrics.csv' AS filename, NULL::bigint AS bytes, j."finishedAt"
      FROM "FineTuneJob" j WHERE j."teamId" = ${team.id} AND j.state = 'succeeded'`);
  }
  if (parts.length === 0) return { object: "list", data: [], has_more: false, first_id: null, last_id: null };
  const union = Prisma.join(parts, " UNION ALL ");
  let cursor = Prisma.empty;
  if (q.after) {
    const rows = await prisma.$queryRaw<{ created: Date }[]>`
      SELECT created FROM (${union}) f WHERE f.id = ${q.after}`;
    const c = rows[0];
    if (!c) throw invalidRequest(`after: no such file ${q.after}`, "after");
    cursor =
      q.order === "asc"
        ? Prisma.sql`WHERE (f.created, f.id) > (${c.created}, ${q.after})`
        : Prisma.sql`WHERE (f.created, f.id) < (${c.created}, ${q.after})`;
  }
  const order = q.order === "asc" ? Prisma.sql`ASC` : Prisma.sql`DESC`;
  const rows = await prisma.$queryRaw<FileRow[]>`
    SELECT * FROM (${union}) f ${cursor} ORDER BY f.created ${order}, f.id ${order} LIMIT ${q.limit + 1}`;
  const page = rows.slice(0, q.limit);
  const data: FileObject[] = [];
  for (const r of page) {
    if (r.kind === "dataset") {
      data.push(
        toFileObject({ id: r.id.slice(5), bytes: Number(r.bytes ?? 0), createdAt: r.created, filename: r.filename }),
      );
    } else {
      const jobId = r.id.slice("file-result-".length);
      data.push(await resultFileObject(prisma, { id: jobId, finishedAt: r.finishedAt, createdAt: r.created }));
    }
  }
  return {
    object: "list",
    data,
    has_more: rows.length > q.limit,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}

export async function fileContent(
  deps: Pick<FilesDeps, "prisma" | "storage">,
  team: OpenAiTeam,
  id: string,
): Promise<{ body: ReadableStream<Uint8Array> | string; contentType: string; filename: string }> {
  const v = await findVersion(deps.prisma, team.id, id);
  if (v) {
    const stream = await deps.storage.get(v.blobKey);
    return {
      body: Readable.toWeb(Readable.from(stream)) as ReadableStream<Uint8Array>,
      contentType: "application/octet-stream",
      filename: v.filename,
    };
  }
  const job = await findResultJob(deps.prisma, team.id, id);
  if (job)
    return { body: await resultsCsv(deps.prisma, job.id), contentType: "text/csv", filename: "step_metrics.csv" };
  throw noSuchFile(id);
}

/**
 * Deletes the dataset a file is the only version of (`deleteDataset`: refused while a job that has not finished
 * trains on it; finished jobs keep their record). A version of a dataset with other versions, and a results file,
 * are refused: they go with their dataset or job.
 */
export async function deleteFile(
  deps: Pick<FilesDeps, "prisma" | "storage">,
  actor: FileActor,
  id: string,
): Promise<{ id: string; object: "file"; deleted: true }> {
  const v = await findVersion(deps.prisma, actor.team.id, id);
  if (!v) {
    if (await findResultJob(deps.prisma, actor.team.id, id)) {
      throw invalidRequest(`${id} is the results file of a fine-tuning job; it is kept as long as the job`);
    }
    throw noSuchFile(id);
  }
  const versions = await deps.prisma.datasetVersion.count({ where: { datasetId: v.datasetId } });
  if (versions > 1) {
    const d = await deps.prisma.dataset.findUniqueOrThrow({ where: { id: v.datasetId }, select: { name: true } });
    throw invalidRequest(
      `${id} is one of ${versions} versions of the dataset "${d.name}"; delete the dataset in Whetstone to remove it`,
    );
  }
  await deleteDataset(deps, { teamId: actor.team.id, userId: actor.userId }, v.datasetId);
  return { id, object: "file", deleted: true };
}
