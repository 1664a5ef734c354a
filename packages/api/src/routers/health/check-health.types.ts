import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const checkHealthMeta = {
  openapi: {
    method: "GET",
    path: "/health",
    tags: ["Health"],
    summary: "Liveness of the API process (no database access)",
    protect: false,
  },
} satisfies OpenApiMeta;
export const checkHealthInput = z.void();
export const checkHealthOutput = z.object({ ok: z.literal(true), time: z.date() });
