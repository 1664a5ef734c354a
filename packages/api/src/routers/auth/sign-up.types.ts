import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";

export const signUpMeta = {
  openapi: {
    method: "POST",
    path: "/auth/sign-up",
    tags: ["Auth"],
    summary: "Create an account with email and password",
  },
} satisfies OpenApiMeta;

// Lengths are checked by the domain function so the error names the field whichever way it is called.
export const signUpInput = z.object({
  email: z.string().max(320),
  password: z.string().max(4096),
  name: z.string().max(120).optional(),
});
export const signUpOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  isAdmin: z.boolean(),
  createdAt: z.date(),
});
