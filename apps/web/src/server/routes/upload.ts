/**
 * Dataset upload: the request body is streamed straight into ingestDataset (never buffered), which stores
 * the blob, parses it row by row and writes a new DatasetVersion. Used by
 * - POST /api/v1/datasets/{name}/versions   (REST, API key only)
 * - POST /api/uploads?team=…&name=…          (dashboard, session + team slug)
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { ingestDataset, type ApiDeps, type Caller } from "@whetstone/api";
import { DATASET_FORMATS, type DatasetFormat } from "@whetstone/core";
import { resolveTeam } from "../caller";
import { errorResponse, jsonError, toJson } from "../http";

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

export async function handleUpload(
  req: Request,
  deps: ApiDeps,
  caller: Caller | null,
  p: UploadParams,
): Promise<Response> {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const team = await resolveTeam(deps, caller, p.teamSlug);
  if (!team) {
    return p.teamSlug || caller.kind === "apiKey"
      ? jsonError(404, "NOT_FOUND", "team not found")
      : jsonError(400, "BAD_REQUEST", "no team selected: pass ?team=<slug>", { field: "team" });
  }
  if (team.role === "viewer") return jsonError(403, "FORBIDDEN", "viewers have read-only access to this team");
  if (!p.datasetName) return jsonError(400, "BAD_REQUEST", "a dataset name is required", { field: "name" });
  if (p.declaredFormat && !DATASET_FORMATS.includes(p.declaredFormat as DatasetFormat)) {
    return jsonError(
      400,
      "BAD_REQUEST",
      `unknown format "${p.declaredFormat}" (one of ${DATASET_FORMATS.join(", ")})`,
      {
        field: "format",
      },
    );
  }
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > deps.config.maxUploadBytes) {
    return jsonError(
      413,
      "PAYLOAD_TOO_LARGE",
      `the file is ${declared} bytes; the limit is ${deps.config.maxUploadBytes} bytes`,
      { limit: deps.config.maxUploadBytes },
    );
  }
  if (!req.body)
    return jsonError(400, "BAD_REQUEST", "the request has no body: send the file as the body", { field: "body" });

  const body = Readable.fromWeb(req.body as unknown as NodeWebReadableStream<Uint8Array>);
  try {
    const version = await ingestDataset(deps, {
      teamId: team.id,
      userId: caller.userId,
      datasetName: p.datasetName,
      description: p.description ?? undefined,
      filename: p.filename || `${p.datasetName}.jsonl`,
      body,
      declaredFormat: (p.declaredFormat as DatasetFormat | null) ?? undefined,
    });
    return Response.json(toJson(version), { status: 201 });
  } catch (err) {
    body.destroy();
    return errorResponse(err);
  }
}
