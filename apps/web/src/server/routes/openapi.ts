import { buildOpenApiDocument } from "@whetstone/api";

/**
 * The generated document plus the one hand-written REST route (the streamed dataset upload), which is not a
 * tRPC procedure because its body is the raw file.
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
  return doc;
}
