/**
 * The file part of a multipart/form-data upload (`curl -F file=@train.jsonl`, an HTML form), streamed: busboy parses
 * the body as it arrives and hands over the first file part as a stream, so the file is never buffered whole. Text
 * fields sent before the file (`name`, `filename`, `description`, `format`) are collected; fields after it are not
 * waited for.
 */
import type { Readable } from "node:stream";
import busboy from "busboy";
import { AppError } from "@whetstone/api";

export interface MultipartFile {
  /** The file part's bytes; read it to its end (or destroy it) so the rest of the body can be parsed. */
  file: Readable;
  /** The part's own file name (`filename=` of its Content-Disposition), if any. */
  filename: string | null;
  /** The form's text fields that came before the file part. */
  fields: Record<string, string>;
  /** Stops parsing (after an error): the rest of the body is not read. */
  abort: () => void;
  /** Every text field once the whole body is parsed, those after the file part included (read the file first). */
  allFields: () => Promise<Record<string, string>>;
}

const isMultipart = (contentType: string | null) => /^multipart\/form-data\s*;/i.test(contentType ?? "");
export { isMultipart };

/** The first file part of `body` (a multipart/form-data body with `contentType`), as soon as its headers are read. */
export function readMultipartFile(body: Readable, contentType: string): Promise<MultipartFile> {
  return new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: { "content-type": contentType },
        limits: { files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 },
      });
    } catch (err) {
      reject(
        new AppError("BAD_REQUEST", `bad multipart/form-data request: ${(err as Error).message}`, { field: "body" }),
      );
      return;
    }
    const fields: Record<string, string> = {};
    let settled = false;
    const parsed = new Promise<Record<string, string>>((resolveAll, rejectAll) => {
      bb.on("close", () => resolveAll(fields));
      bb.on("error", (err: Error) =>
        rejectAll(new AppError("BAD_REQUEST", `bad multipart/form-data body: ${err.message}`, { field: "body" })),
      );
    });
    parsed.catch(() => undefined); // read by allFields() only when a caller wants the later fields
    const abort = () => {
      body.unpipe(bb);
      body.destroy();
    };
    bb.on("field", (name, value) => {
      fields[name] = value;
    });
    bb.on("file", (_name, file, info) => {
      if (settled) {
        file.resume(); // a second file part: limits.files already refuses it; drop its bytes
        return;
      }
      settled = true;
      resolve({ file, filename: info.filename ?? null, fields, abort, allFields: () => parsed });
    });
    bb.on("error", (err: Error) => {
      if (!settled) {
        settled = true;
        reject(new AppError("BAD_REQUEST", `bad multipart/form-data body: ${err.message}`, { field: "body" }));
      }
    });
    bb.on("close", () => {
      if (!settled) {
        settled = true;
        reject(
          new AppError(
            "BAD_REQUEST",
            "the multipart/form-data body has no file part: send the file as a form field named file (curl -F file=@train.jsonl)",
            { field: "file" },
          ),
        );
      }
    });
    body.on("error", (err) => bb.destroy(err));
    body.pipe(bb);
  });
}
