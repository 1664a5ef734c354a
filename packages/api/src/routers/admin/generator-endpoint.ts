/** The admin console's generator endpoint (OpenAI-compatible, for augmentations that generate rows). */
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { clearGeneratorEndpoint, getGeneratorEndpoint, setGeneratorEndpoint } from "../../admin/generator-endpoint";
import { adminProcedure } from "../../trpc";

const meta = (method: "GET" | "PUT" | "POST", path: `/${string}`, summary: string, description?: string) =>
  ({
    openapi: { method, path, tags: ["Admin"], summary, ...(description ? { description } : {}), protect: true },
  }) satisfies OpenApiMeta;

/* What the endpoint's fields accept, declared in the schema so that the document says exactly what the checks in
 * admin/generator-endpoint.ts take (every string matching BASE_URL parses as a URL without credentials). ASCII classes
 * only: a JSON-schema pattern is read by other languages, whose \d and \s are wider than JavaScript's. */
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const PORT = "(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}|0)";
const HOST = `(${OCTET}(\\.${OCTET}){3}|([A-Za-z0-9-]+\\.)*[A-Za-z][A-Za-z0-9-]*)`;
const BASE_URL = new RegExp(`^https?://${HOST}(:${PORT})?(/[^ ?#\\x00-\\x1f\\x7f]*)?$`);
/** At least one visible ASCII character: what is left after trimming is not empty. */
const VISIBLE = /[!-~]/;

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
      baseUrl: z
        .string()
        .max(2000)
        .regex(BASE_URL, "baseUrl: an http:// or https:// URL with a host name or IPv4 address"),
      model: z.string().min(1).max(200).regex(VISIBLE, "model: the model name the endpoint serves is required"),
      apiKey: z.string().max(4096).regex(VISIBLE, "apiKey: empty; leave it out or send null").nullable().optional(),
    }),
  )
  .output(output)
  .mutation(({ ctx, input }) => setGeneratorEndpoint(ctx.deps, ctx.caller.userId, input));

export const clearGeneratorEndpointRoute = adminProcedure
  .meta(meta("POST", "/admin/generator-endpoint/clear", "Remove the generator endpoint (and its stored key)"))
  .input(z.void())
  .output(output)
  .mutation(({ ctx }) => clearGeneratorEndpoint(ctx.deps, ctx.caller.userId));
