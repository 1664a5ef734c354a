import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const listMyTeamsMeta = {
  openapi: { method: "GET", path: "/teams", tags: ["Teams"], summary: "Teams the caller belongs to", protect: true },
} satisfies OpenApiMeta;

export const listMyTeamsInput = z.void();
export const listMyTeamsOutput = z.array(
  z.object({ id: z.string(), slug: z.string(), name: z.string(), role: z.enum(["owner", "member", "viewer"]) }),
);
