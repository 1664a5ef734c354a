import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "../../auth/sign-up";

export const signUpMeta = {
  openapi: {
    method: "POST",
    path: "/auth/sign-up",
    tags: ["Auth"],
    summary: "Create an account with email and password",
    protect: false,
  },
  /** REST answers 201 Created. */
  successStatus: 201,
} satisfies OpenApiMeta;

// The domain function checks the same rules (the dashboard calls it directly); here they are in the document.
export const signUpInput = z.object({
  email: z
    .string()
    .max(320)
    .regex(/^\s*[^\s@]+@[^\s@]+\.[^\s@]+\s*$/, "this is not an email address"),
  password: z
    .string()
    .min(MIN_PASSWORD_LENGTH, `the password needs at least ${MIN_PASSWORD_LENGTH} characters`)
    .max(1024, "the password may have at most 1024 characters"),
  name: z.string().max(120).optional(),
});
export const signUpOutput = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  isAdmin: z.boolean(),
  createdAt: z.date(),
});
