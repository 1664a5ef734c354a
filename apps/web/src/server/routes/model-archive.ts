/**
 * A job's model as one tar (packages/api/src/model-archive), team-scoped, streamed from storage:
 * - GET /api/v1/jobs/{id}/archive?kind=adapter|model|merged_model   (REST, API key) and /api/jobs/{id}/archive (dashboard)
 * - GET /api/v1/jobs/{id}/archive/sha256?kind=…                     its sha256, computed once and kept
 * A download whose checksum is known carries it (`x-content-sha256`, `Repr-Digest`); the first full download
 * computes and keeps it while streaming.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  planModelArchive,
  saveArchiveChecksum,
  storedArchiveChecksum,
  streamModelArchive,
  archiveChecksum,
  type ApiDeps,
  type Caller,
} from "@whetstone/api";
import { findJobInScope } from "../caller";
import { errorResponse, jsonError } from "../http";
import { contentDisposition } from "./artifact-download";

const reprDigest = (hex: string) => `sha-256=:${Buffer.from(hex, "hex").toString("base64")}:`;

async function plan(deps: ApiDeps, caller: Caller | null, jobId: string, req: Request) {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const job = await findJobInScope(deps, caller, jobId);
  if (!job) return jsonError(404, "NOT_FOUND", "job not found");
  return planModelArchive(deps, job.teamId, job.id, new URL(req.url).searchParams.get("kind"));
}

export function handleModelArchiveDownload(
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  req: Request,
): Promise<Response> {
  return (async () => {
    const planned = await plan(deps, caller, jobId, req);
    if (planned instanceof Response) return planned;
    const archive = planned;
    const known = await storedArchiveChecksum(deps.storage, archive);
    const headers: Record<string, string> = {
      "content-type": "application/x-tar",
      "content-length": String(archive.bytes),
      "content-disposition": contentDisposition(archive.filename),
      etag: `"${archive.etag}"`,
      "cache-control": "private, no-store",
    };
    if (known) Object.assign(headers, { "x-content-sha256": known, "repr-digest": reprDigest(known) });
    async function* body(): AsyncGenerator<Uint8Array> {
      const h = known ? null : createHash("sha256");
      for await (const c of streamModelArchive(deps.storage, archive)) {
        h?.update(c);
        yield c;
      }
      if (h) await saveArchiveChecksum(deps.storage, archive, h.digest("hex")).catch(() => undefined);
    }
    return new Response(Readable.toWeb(Readable.from(body())) as unknown as ReadableStream<Uint8Array>, {
      status: 200,
      headers,
    });
  })().catch(errorResponse);
}

export function handleModelArchiveChecksum(
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  req: Request,
): Promise<Response> {
  return (async () => {
    const archive = await plan(deps, caller, jobId, req);
    if (archive instanceof Response) return archive;
    const sha256 = await archiveChecksum(deps.storage, archive);
    return Response.json(
      { kind: archive.kind, filename: archive.filename, bytes: archive.bytes, sha256, etag: archive.etag },
      { headers: { etag: `"${archive.etag}"`, "cache-control": "private, no-store" } },
    );
  })().catch(errorResponse);
}
