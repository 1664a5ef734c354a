/**
 * /v1 — the OpenAI-compatible API (packages/api/src/openai-compat, decision 0010): the official SDKs work with
 * `base_url = http://host/v1` and a Whetstone API key. This file only supplies what the app owns: the streamed
 * multipart parser (busboy, shared with the upload route) and the inference queue with its stream readers.
 */
import { Readable } from "node:stream";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { AppError, type ApiDeps } from "@whetstone/api";
import { handleOpenAiRequest, type ChatDeps, type MultipartUpload } from "@whetstone/api/openai-compat";
import { readMultipartFile } from "../multipart-file";

/** The file part of `req` (streamed) with the form's fields; `purpose` may come before or after the file. */
export async function readOpenAiUpload(req: Request): Promise<MultipartUpload> {
  if (!req.body) throw new AppError("BAD_REQUEST", "the request has no body", { field: "file" });
  const raw = Readable.fromWeb(req.body as unknown as NodeWebReadableStream<Uint8Array>);
  const part = await readMultipartFile(raw, req.headers.get("content-type") ?? "");
  return {
    file: part.file,
    filename: part.filename,
    fields: part.fields,
    allFields: part.allFields,
    abort: part.abort,
  };
}

export function handleOpenAi(req: Request, deps: ApiDeps, chat: ChatDeps): Promise<Response> {
  return handleOpenAiRequest(req, {
    deps,
    chat,
    readMultipart: readOpenAiUpload,
    log: (message, err) => console.error(`[web] /v1: ${message}`, err),
  });
}
