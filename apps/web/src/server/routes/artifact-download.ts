/** GET /api/jobs/{id}/artifacts/{artifactId} — streams an artifact from storage, team-scoped. */
import { Readable } from "node:stream";
import type { ApiDeps, Caller } from "@whetstone/api";
import { findJobInScope } from "../caller";
import { jsonError } from "../http";

/** RFC 6266 filename: an ASCII fallback plus the UTF-8 original. */
export function contentDisposition(name: string): string {
  const base = name.split("/").pop() || "artifact";
  const ascii = base.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

export async function handleArtifactDownload(
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  artifactId: string,
): Promise<Response> {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const job = await findJobInScope(deps, caller, jobId);
  if (!job) return jsonError(404, "NOT_FOUND", "job not found");
  const artifact = await deps.prisma.artifact.findFirst({ where: { id: artifactId, jobId: job.id } });
  if (!artifact) return jsonError(404, "NOT_FOUND", "artifact not found");
  const info = await deps.storage.stat(artifact.key);
  if (!info) return jsonError(404, "NOT_FOUND", "the artifact's file is missing from storage");
  const body = await deps.storage.get(artifact.key);
  return new Response(Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(info.bytes),
      "content-disposition": contentDisposition(artifact.name),
      "x-content-sha256": artifact.sha256,
      "cache-control": "private, no-store",
    },
  });
}
