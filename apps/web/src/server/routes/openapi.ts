import { buildOpenApiDocument } from "@whetstone/api";
import { generateOpenApiPath } from "./generate";

/**
 * The generated document plus the hand-written REST routes, which are not tRPC procedures: the streamed dataset
 * upload (its body is the raw file) and generate (its answer may be a stream of server-sent events).
 */
export function openApiDocument(baseUrl: string) {
  const doc = buildOpenApiDocument(baseUrl) as { paths?: Record<string, Record<string, unknown>> };
  doc.paths ??= {};
  const path = "/datasets/{name}/versions";
  doc.paths[path] = {
    ...doc.paths[path],
    post: {
      operationId: "datasets-uploadVersion",
      summary: "Upload a new version of a dataset (the file is the raw request body; streamed, not buffered)",
      tags: ["Datasets"],
      security: [{ bearerAuth: [] }],
      parameters: [
        { name: "name", in: "path", required: true, schema: { type: "string" } },
        {
          name: "filename",
          in: "query",
          required: false,
          schema: { type: "string" },
          description: "e.g. train.jsonl; the extension picks jsonl/csv/tsv",
        },
        { name: "description", in: "query", required: false, schema: { type: "string" } },
        {
          name: "format",
          in: "query",
          required: false,
          schema: { type: "string", enum: ["chat", "prompt_completion", "alpaca", "text", "classification"] },
        },
      ],
      requestBody: {
        required: true,
        content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
      },
      responses: {
        "201": { description: "The new dataset version with its profile" },
        "400": { description: "Bad file: {error:{code,message,details:{line,field}}}" },
        "401": { description: "Missing or invalid API key" },
        "413": { description: "The file is larger than MAX_UPLOAD_BYTES" },
      },
    },
  };
  doc.paths["/models/{id}/generate"] = generateOpenApiPath();
  return doc;
}
