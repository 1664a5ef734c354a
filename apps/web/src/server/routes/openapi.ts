import { buildOpenApiDocument, type OpenApiDocumentLike } from "@whetstone/api";
import { DATASET_FORMATS } from "@whetstone/core";
import { generateOpenApiPath } from "./generate";

const binary = { type: "string", format: "binary" } as const;
const bearer = [{ bearerAuth: [] }];
const idParam = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string", minLength: 1 },
  description,
});
const download = (what: string) => ({
  description: `The ${what}'s bytes`,
  headers: {
    "x-content-sha256": {
      description: "sha256 of the bytes (hex), as the runner reported it",
      schema: { type: "string" },
    },
    "content-disposition": { description: "attachment; filename=…", schema: { type: "string" } },
  },
  content: { "application/octet-stream": { schema: binary } },
});

/**
 * The REST routes that are not tRPC procedures, finished by buildOpenApiDocument with the same error responses:
 * the streamed dataset upload (raw body or multipart/form-data), generate (JSON or server-sent events), the
 * artifact and checkpoint downloads (bytes), and this document itself.
 */
function handWrittenPaths(): NonNullable<OpenApiDocumentLike["paths"]> {
  const format = { type: "string", enum: [...DATASET_FORMATS] };
  return {
    "/datasets/{name}/versions": {
      post: {
        operationId: "datasets-uploadVersion",
        summary: "Upload a new version of a dataset (streamed, not buffered)",
        description:
          "The file is either the raw request body (any content type, e.g. `curl --data-binary @train.jsonl`) or the " +
          "`file` part of a multipart/form-data body (`curl -F file=@train.jsonl`); JSONL, CSV or TSV. A multipart body " +
          "may carry `filename`, `description` and `format` as fields before the file part; query parameters win. " +
          "A bad file is refused at its first bad row with `details.line` and `details.field`.",
        tags: ["Datasets"],
        security: bearer,
        parameters: [
          {
            name: "name",
            in: "path",
            required: true,
            schema: { type: "string", minLength: 1, maxLength: 200, pattern: "^[^\\u0000]*\\S[^\\u0000]*$" },
            description: "the dataset; the first upload creates it, later ones add versions",
          },
          {
            name: "filename",
            in: "query",
            required: false,
            schema: { type: "string", maxLength: 255 },
            description: "e.g. train.jsonl; the extension picks jsonl/csv/tsv (the content is sniffed without one)",
          },
          { name: "description", in: "query", required: false, schema: { type: "string", maxLength: 2000 } },
          { name: "format", in: "query", required: false, schema: format },
        ],
        requestBody: {
          required: true,
          content: {
            "application/octet-stream": { schema: binary },
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file"],
                properties: {
                  filename: { type: "string", maxLength: 255 },
                  description: { type: "string", maxLength: 2000 },
                  format,
                  file: { ...binary, description: "the dataset file (the last part)" },
                },
              },
              encoding: { file: { contentType: "application/octet-stream" } },
            },
          },
        },
        responses: {
          "201": { description: "The new dataset version with its profile" },
          "400": { description: "Bad file or parameters: details.line and details.field say where" },
          "413": { description: "The file is larger than MAX_UPLOAD_BYTES (details.limit)" },
        },
      },
    },
    "/models/{id}/generate": generateOpenApiPath(),
    "/jobs/{id}/artifacts/{artifactId}/content": {
      get: {
        operationId: "jobs-downloadArtifact",
        summary: "Download an artifact of a job (adapter, tokenizer, config, metrics, merged model, eval report)",
        description: "List them with GET /jobs/{id}/artifacts; each has its size and sha256.",
        tags: ["Jobs"],
        security: bearer,
        parameters: [idParam("id", "job id"), idParam("artifactId", "artifact id")],
        responses: { "200": download("artifact") },
      },
    },
    "/jobs/{id}/checkpoints/{step}/files/{name}": {
      get: {
        operationId: "jobs-downloadCheckpointFile",
        summary: "Download one file of a job's checkpoint",
        description:
          "GET /jobs/{id} lists the checkpoints with their files, each with size and sha256 (`files`); a checkpoint " +
          "reported without them (older runners) serves any file of its folder, without a checksum header.",
        tags: ["Jobs"],
        security: bearer,
        parameters: [
          idParam("id", "job id"),
          {
            name: "step",
            in: "path",
            required: true,
            schema: { type: "string", pattern: "^[0-9]{1,9}$" },
            description: "the checkpoint's training step",
          },
          idParam("name", "file name within the checkpoint, e.g. adapter_model.safetensors (percent-encoded)"),
        ],
        responses: { "200": download("checkpoint file") },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "openapi-document",
        summary: "This OpenAPI document",
        tags: ["Health"],
        security: [],
        responses: {
          "200": { description: "OpenAPI 3.1", content: { "application/json": { schema: { type: "object" } } } },
        },
      },
    },
  };
}

/** The generated document plus the hand-written REST routes. */
export function openApiDocument(baseUrl: string) {
  return buildOpenApiDocument(baseUrl, handWrittenPaths());
}
