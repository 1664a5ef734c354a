import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const createTeamMeta = {
  openapi: {
    method: "POST",
    path: "/teams",
    tags: ["Teams"],
    summary: "Create a team; the caller becomes its owner",
    protect: true,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;

export const createTeamInput = z.object({ name: z.string().trim().min(1).max(80) });
export const teamOutput = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  createdAt: z.date(),
});
