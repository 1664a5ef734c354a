/**
 * Dataset upload: the request body is streamed straight into ingestDataset (never buffered), which stores
 * the blob, parses it row by row and writes a new DatasetVersion. Used by
 * - POST /api/v1/datasets/{name}/versions   (REST, API key only)
 * - POST /api/uploads?team=…&name=…          (dashboard, session + team slug)
 *
 * The file is either the raw body (any content type: application/octet-stream, text/csv, application/x-ndjson…,
 * also curl's default for --data-binary) or the file part of a multipart/form-data body (`curl -F file=@x.jsonl`,
 * streamed through busboy; text fields before the file part may carry filename, description and format).
 * A request refused before its body is read is drained when small or answered with `Connection: close`
 * (packages/api/src/rest/unread-body.ts), so a keep-alive client reads the error and its next request is not reset.
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { AppError, ingestDataset, refuseUnread, withConnectionClose, type ApiDeps, type Caller } from "@whetstone/api";
import { DATASET_FORMATS, type DatasetFormat } from "@whetstone/core";
import { resolveTeam } from "../caller";
import { errorResponse, jsonError, toJson } from "../http";
import { isMultipart, readMultipartFile } from "../multipart-file";

export interface UploadParams {
  datasetName: string;
  filename: string | null;
  description: string | null;
  declaredFormat: string | null;
  /** Team slug (dashboard); ignored for API keys, whose team is fixed. */
  teamSlug: string | null;
}

export function uploadParamsFromUrl(req: Request, datasetName: string | null): UploadParams {
  const q = new URL(req.url).searchParams;
  return {
    datasetName: (datasetName ?? q.get("name") ?? "").trim(),
    filename: q.get("filename") ?? req.headers.get("x-filename"),
    description: q.get("description"),
    declaredFormat: q.get("format"),
    teamSlug: q.get("team") ?? req.headers.get("x-whetstone-team"),
  };
}

/** The request body's chunks; a read that fails (the client went away, a malformed multipart body) is a 400. */
async function* guarded(body: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError("BAD_REQUEST", `the upload was cut short: ${(err as Error).message}`, { field: "file" });
  }
}

export async function handleUpload(
  req: Request,
  deps: ApiDeps,
  caller: Caller | null,
  p: UploadParams,
): Promise<Response> {
  const refuse = (res: Response) => refuseUnread(req, res);
  if (!caller) return refuse(jsonError(401, "UNAUTHORIZED", "sign in or send an API key"));
  const team = await resolveTeam(deps, caller, p.teamSlug);
  if (!team) {
    return refuse(
      p.teamSlug || caller.kind === "apiKey"
        ? jsonError(404, "NOT_FOUND", "team not found")
        : jsonError(400, "BAD_REQUEST", "no team selected: pass ?team=<slug>", { field: "team" }),
    );
  }
  if (team.role === "viewer") return refuse(jsonError(403, "FORBIDDEN", "viewers have read-only access to this team"));
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > deps.config.maxUploadBytes) {
    return refuse(
      jsonError(
        413,
        "PAYLOAD_TOO_LARGE",
        `the file is ${declared} bytes; the limit is ${deps.config.maxUploadBytes} bytes`,
        { field: "file", limit: deps.config.maxUploadBytes },
      ),
    );
  }
  if (!req.body) {
    return jsonError(400, "BAD_REQUEST", "the request has no body: send the file as the body", { field: "body" });
  }

  const contentType = req.headers.get("content-type");
  if (!isMultipart(contentType)) {
    const bad = checkParams(p);
    if (bad) return refuse(bad);
  }
  const raw = Readable.fromWeb(req.body as unknown as NodeWebReadableStream<Uint8Array>);
  let body: AsyncIterable<Uint8Array> = raw;
  let abort = (): void => void raw.destroy();
  if (isMultipart(contentType)) {
    try {
      const part = await readMultipartFile(raw, contentType!);
      body = part.file;
      abort = part.abort;
      p = {
        ...p,
        datasetName: p.datasetName || (part.fields.name ?? "").trim(),
        filename: p.filename ?? part.fields.filename ?? part.filename,
        description: p.description ?? part.fields.description ?? null,
        declaredFormat: p.declaredFormat ?? part.fields.format ?? null,
      };
    } catch (err) {
      raw.destroy();
      return withConnectionClose(errorResponse(err));
    }
    const bad = checkParams(p);
    if (bad) {
      abort();
      return withConnectionClose(bad);
    }
  }

  try {
    const version = await ingestDataset(deps, {
      teamId: team.id,
      userId: caller.userId,
      datasetName: p.datasetName,
      description: p.description ?? undefined,
      filename: p.filename || `${p.datasetName}.jsonl`,
      body: guarded(body),
      declaredFormat: (p.declaredFormat as DatasetFormat | null) ?? undefined,
    });
    return Response.json(toJson(version), { status: 201 });
  } catch (err) {
    // Refused before the end of the body (a bad line, the size limit): the rest is not read, the connection closes.
    abort();
    return withConnectionClose(errorResponse(err));
  }
}

/** The dataset name and declared format, known once the params (and a multipart body's leading fields) are read. */
function checkParams(p: UploadParams): Response | null {
  if (!p.datasetName) return jsonError(400, "BAD_REQUEST", "a dataset name is required", { field: "name" });
  if (p.declaredFormat && !DATASET_FORMATS.includes(p.declaredFormat as DatasetFormat)) {
    return jsonError(
      400,
      "BAD_REQUEST",
      `unknown format "${p.declaredFormat}" (one of ${DATASET_FORMATS.join(", ")})`,
      { field: "format" },
    );
  }
  return null;
}
