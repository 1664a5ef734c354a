/**
 * Downloads, team-scoped, streamed from storage with size and sha256 (`x-content-sha256`):
 * - an artifact: GET /api/jobs/{id}/artifacts/{artifactId} (dashboard) and /api/v1/jobs/{id}/artifacts/{artifactId}/content
 * - a checkpoint file: GET /api/v1/jobs/{id}/checkpoints/{step}/files/{name}
 */
import { Readable } from "node:stream";
import type { ApiDeps, Caller } from "@whetstone/api";
import type { CheckpointFile } from "@whetstone/queue";
import { findJobInScope } from "../caller";
import { errorResponse, jsonError } from "../http";

/** RFC 6266 filename: an ASCII fallback plus the UTF-8 original. */
export function contentDisposition(name: string): string {
  const base = name.split("/").pop() || "artifact";
  const ascii = base.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(base)}`;
}

export function handleArtifactDownload(
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  artifactId: string,
): Promise<Response> {
  return downloadArtifact(deps, caller, jobId, artifactId).catch(errorResponse);
}

async function downloadArtifact(deps: ApiDeps, caller: Caller | null, jobId: string, artifactId: string) {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const job = await findJobInScope(deps, caller, jobId);
  if (!job) return jsonError(404, "NOT_FOUND", "job not found");
  const artifact = await deps.prisma.artifact.findFirst({ where: { id: artifactId, jobId: job.id } });
  if (!artifact) return jsonError(404, "NOT_FOUND", "artifact not found");
  return streamBlob(deps, artifact.key, artifact.name, artifact.sha256, "the artifact's file is missing from storage");
}

async function streamBlob(
  deps: ApiDeps,
  key: string,
  name: string,
  sha256: string | null,
  missing: string,
): Promise<Response> {
  const info = await deps.storage.stat(key);
  if (!info) return jsonError(404, "NOT_FOUND", missing);
  const body = await deps.storage.get(key);
  return new Response(Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(info.bytes),
      "content-disposition": contentDisposition(name),
      ...(sha256 ? { "x-content-sha256": sha256 } : {}),
      "cache-control": "private, no-store",
    },
  });
}

/**
 * One file of a checkpoint (`name` relative to the checkpoint folder, e.g. `adapter_model.safetensors`). A
 * checkpoint reported with its files serves only those, with their sha256; an older one any file under its folder.
 */
export function handleCheckpointFileDownload(
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  stepParam: string,
  name: string,
): Promise<Response> {
  return downloadCheckpointFile(deps, caller, jobId, stepParam, name).catch(errorResponse);
}

async function downloadCheckpointFile(
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  stepParam: string,
  name: string,
): Promise<Response> {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const job = await findJobInScope(deps, caller, jobId);
  if (!job) return jsonError(404, "NOT_FOUND", "job not found");
  const step = /^\d{1,9}$/.test(stepParam) ? Number(stepParam) : NaN;
  if (!Number.isInteger(step)) {
    return jsonError(400, "BAD_REQUEST", "step: a checkpoint's step is a whole number", { field: "step" });
  }
  const checkpoint = await deps.prisma.checkpoint.findUnique({ where: { jobId_step: { jobId: job.id, step } } });
  if (!checkpoint) return jsonError(404, "NOT_FOUND", `the job has no checkpoint at step ${step}`);
  const files = checkpoint.files as CheckpointFile[] | null;
  const file = files?.find((f) => f.name === name);
  const underFolder =
    !name.includes("\u0000") && !name.split("/").some((part) => part === "" || part === "." || part === "..");
  if ((files && !file) || !underFolder) {
    return jsonError(404, "NOT_FOUND", `checkpoint step ${step} has no file ${JSON.stringify(name)}`);
  }
  return streamBlob(
    deps,
    checkpoint.key + name,
    name,
    file?.sha256 ?? null,
    "the checkpoint's file is missing from storage",
  );
}
