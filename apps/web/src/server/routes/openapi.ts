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
const archiveKind = {
  name: "kind",
  in: "query",
  required: false,
  schema: { type: "string", enum: ["adapter", "model", "merged_model"] },
  description: "which weights: the adapter (LoRA/QLoRA jobs, the default), the full model, or the merged weights",
};
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
          "`file` part of a multipart/form-data body (`curl -F file=@train.jsonl`): JSON Lines, a JSON array of objects " +
          "(Alpaca, ShareGPT as LLaMA-Factory ships them), CSV, TSV, Parquet or plain text (one document per " +
          "blank-line-separated block); rows in ShareGPT layout (`conversations` with `from`/`value`) become chat rows. " +
          "Everything but JSONL/CSV/TSV in the platform's formats is stored as JSON Lines (`profile.source` keeps the " +
          "upload's name, container, size and sha256). A multipart body " +
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
            description:
              "e.g. train.jsonl; the extension picks jsonl/json/csv/tsv/parquet/txt (Parquet is also known by its " +
              "magic bytes; the content is sniffed without an extension)",
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
    "/jobs/{id}/archive": {
      get: {
        operationId: "jobs-downloadModelArchive",
        summary: "Download a job's model as one archive (tar): adapter, full model or merged weights",
        description:
          "One uncompressed tar of a folder that loads as it is: the weights (PEFT adapter, full model or merged " +
          "safetensors), the tokenizer, README.md (the model card: base model, data, hyperparameters, training and " +
          "evaluation results), an Ollama `Modelfile` (not for classification) and `whetstone_config.json`. Streamed " +
          "from storage. The archive is byte-identical for the same files, card and job: its sha256 is computed once " +
          "(by the first full download, or by GET /jobs/{id}/archive/sha256) and then sent with every download as " +
          "`x-content-sha256` and `Repr-Digest`; the ETag changes when the content does (e.g. a finished evaluation).",
        tags: ["Jobs"],
        security: bearer,
        parameters: [idParam("id", "job id"), archiveKind],
        responses: {
          "200": {
            description: "The archive's bytes (application/x-tar)",
            headers: {
              "x-content-sha256": {
                description: "sha256 of the archive (hex), when already computed",
                schema: { type: "string" },
              },
              "repr-digest": { description: "RFC 9530 digest: sha-256=:<base64>:", schema: { type: "string" } },
              etag: { description: "digest of the archive's manifest", schema: { type: "string" } },
              "content-disposition": { description: "attachment; filename=<folder>.tar", schema: { type: "string" } },
            },
            content: { "application/x-tar": { schema: binary } },
          },
          "404": { description: "No such job, or the job has no weights of this kind (yet)" },
        },
      },
    },
    "/jobs/{id}/archive/sha256": {
      get: {
        operationId: "jobs-modelArchiveChecksum",
        summary: "The sha256 of a job's model archive",
        description:
          "Computed once by reading the archive through (as a download would), then kept; compare it with " +
          "`sha256sum <file>.tar` after GET /jobs/{id}/archive.",
        tags: ["Jobs"],
        security: bearer,
        parameters: [idParam("id", "job id"), archiveKind],
        responses: {
          "200": {
            description: "The archive's name, size and sha256",
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["kind", "filename", "bytes", "sha256", "etag"],
                  properties: {
                    kind: { type: "string", enum: ["adapter", "model", "merged_model"] },
                    filename: { type: "string" },
                    bytes: { type: "integer" },
                    sha256: { type: "string", pattern: "^[0-9a-f]{64}$" },
                    etag: { type: "string" },
                  },
                },
              },
            },
          },
          "404": { description: "No such job, or the job has no weights of this kind (yet)" },
        },
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
