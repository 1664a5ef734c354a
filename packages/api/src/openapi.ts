import { generateOpenApiDocument, type OpenApiMeta } from "trpc-to-openapi";
import { finishOpenApiDocument, type OpenApiDocumentLike } from "./rest/document";
import { appRouter } from "./root";

export const API_VERSION = "1.0.0";

/** Procedure meta beyond trpc-to-openapi's: `successStatus: 201` on the procedures that create a resource. */
export type RestMeta = OpenApiMeta & { successStatus?: 201 };

/** The success status of procedure `path` (e.g. `jobs.create`) over REST: its meta's `successStatus`, else 200. */
export function procedureSuccessStatus(path: string): number {
  const procs = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: RestMeta } } | undefined>;
  return procs[path]?._def.meta?.successStatus ?? 200;
}

/** `METHOD /path` → success status other than 200 (the create procedures' 201), for the document and the handler. */
export function successStatuses(): Map<string, number> {
  const out = new Map<string, number>();
  for (const proc of Object.values(
    appRouter._def.procedures as unknown as Record<string, { _def: { meta?: RestMeta } }>,
  )) {
    const meta = proc._def.meta;
    if (meta?.openapi && meta.successStatus) out.set(`${meta.openapi.method} ${meta.openapi.path}`, meta.successStatus);
  }
  return out;
}

/**
 * The OpenAPI document of the REST API (served at /api/v1/openapi.json); `baseUrl` is e.g. https://host/api/v1.
 * `extraPaths`: the hand-written routes (uploads, generate, downloads), finished with the same error responses.
 */
export function buildOpenApiDocument(baseUrl: string, extraPaths: OpenApiDocumentLike["paths"] = {}) {
  const doc = generateOpenApiDocument(appRouter, {
    title: "Whetstone API",
    description:
      "Fine-tune LLMs on your domain data. Authenticate with `Authorization: Bearer wst_…` (an API key made on the team's settings page); the key's team is the scope of every call.",
    version: API_VERSION,
    baseUrl,
    tags: ["Jobs", "Evaluations", "Datasets", "Base models", "Usage", "Teams", "API keys", "Admin", "Auth", "Health"],
    securitySchemes: {
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "wst_<key>" },
    },
  }) as ReturnType<typeof generateOpenApiDocument> & OpenApiDocumentLike;
  const paths = (doc.paths ??= {}) as NonNullable<OpenApiDocumentLike["paths"]>;
  for (const [path, item] of Object.entries(extraPaths ?? {})) paths[path] = { ...paths[path], ...item };
  return finishOpenApiDocument(doc, successStatuses());
}
