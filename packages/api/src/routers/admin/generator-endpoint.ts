/** The admin console's generator endpoint (OpenAI-compatible, for augmentations that generate rows). */
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { clearGeneratorEndpoint, getGeneratorEndpoint, setGeneratorEndpoint } from "../../admin/generator-endpoint";
import { adminProcedure } from "../../trpc";

const meta = (method: "GET" | "PUT" | "POST", path: `/${string}`, summary: string, description?: string) =>
  ({
    openapi: { method, path, tags: ["Admin"], summary, ...(description ? { description } : {}), protect: true },
  }) satisfies OpenApiMeta;

const output = z.object({
  configured: z.boolean(),
  baseUrl: z.string().nullable(),
  model: z.string().nullable(),
  /** Whether a key is stored; the key itself is never returned. */
  apiKeySet: z.boolean(),
  apiKeyLast4: z.string().nullable(),
  updatedAt: z.date().nullable(),
});

export const getGeneratorEndpointRoute = adminProcedure
  .meta(meta("GET", "/admin/generator-endpoint", "The OpenAI-compatible endpoint augmentations may generate rows with"))
  .input(z.void())
  .output(output)
  .query(({ ctx }) => getGeneratorEndpoint(ctx.prisma));

export const setGeneratorEndpointRoute = adminProcedure
  .meta(
    meta(
      "PUT",
      "/admin/generator-endpoint",
      "Configure the OpenAI-compatible endpoint for generated augmentation rows",
      "`baseUrl` is the API's base (…/v1; the runner POSTs to `{baseUrl}/chat/completions`). `apiKey`: a new key " +
        "(stored encrypted with WEBHOOK_SECRET_KEY, never returned: only its last 4 characters), omitted to keep the " +
        "stored one, null to remove it. 412 when WEBHOOK_SECRET_KEY is not set.",
    ),
  )
  .input(
    z.object({
      baseUrl: z.string().min(1).max(2000),
      model: z.string().min(1).max(200),
      apiKey: z.string().max(4096).nullable().optional(),
    }),
  )
  .output(output)
  .mutation(({ ctx, input }) => setGeneratorEndpoint(ctx.deps, ctx.caller.userId, input));

export const clearGeneratorEndpointRoute = adminProcedure
  .meta(meta("POST", "/admin/generator-endpoint/clear", "Remove the generator endpoint (and its stored key)"))
  .input(z.void())
  .output(output)
  .mutation(({ ctx }) => clearGeneratorEndpoint(ctx.deps, ctx.caller.userId));
