import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { roleSchema } from "../teams/team-members.types";

export const apiKeyOutput = z.object({
  id: z.string(),
  name: z.string(),
  /** First characters of the key, to tell keys apart. */
  prefix: z.string(),
  role: roleSchema,
  isAdmin: z.boolean(),
  lastUsedAt: z.date().nullable(),
  createdAt: z.date(),
  revokedAt: z.date().nullable(),
  createdBy: z.object({ id: z.string(), email: z.string() }),
});

export const createApiKeyMeta = {
  openapi: {
    method: "POST",
    path: "/api-keys",
    tags: ["API keys"],
    summary: "Create an API key; the key is shown in this answer only",
    protect: true,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;
export const createApiKeyInput = z.object({
  name: z.string().trim().min(1).max(80),
  role: roleSchema.default("member"),
  isAdmin: z.boolean().default(false),
});
export const createApiKeyOutput = apiKeyOutput.extend({ key: z.string() });

export const listApiKeysMeta = {
  openapi: {
    method: "GET",
    path: "/api-keys",
    tags: ["API keys"],
    summary: "API keys of the team (never the key itself)",
    protect: true,
  },
} satisfies OpenApiMeta;
export const listApiKeysInput = z.void();
export const listApiKeysOutput = z.array(apiKeyOutput);

export const revokeApiKeyMeta = {
  openapi: {
    method: "POST",
    path: "/api-keys/{id}/revoke",
    tags: ["API keys"],
    summary: "Revoke an API key",
    protect: true,
  },
} satisfies OpenApiMeta;
export const revokeApiKeyInput = z.object({ id: z.string().min(1) });
