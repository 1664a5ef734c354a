import { generateOpenApiDocument } from "trpc-to-openapi";
import { appRouter } from "./root";

export const API_VERSION = "1.0.0";

/** The OpenAPI document of the REST API (served at /api/v1/openapi.json); `baseUrl` is e.g. https://host/api/v1. */
export function buildOpenApiDocument(baseUrl: string) {
  return generateOpenApiDocument(appRouter, {
    title: "Whetstone API",
    description:
      "Fine-tune LLMs on your domain data. Authenticate with `Authorization: Bearer wst_…` (an API key made on the team's settings page); the key's team is the scope of every call.",
    version: API_VERSION,
    baseUrl,
    tags: ["Jobs", "Evaluations", "Datasets", "Base models", "Usage", "Teams", "API keys", "Admin", "Auth", "Health"],
    securitySchemes: {
      bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "wst_<key>" },
    },
  });
}
