/**
 * The only reader of process.env in apps/web. Validated with zod on first use (not at import, so that
 * `next build` works without a database or Redis configured).
 */
import { z } from "zod";

const GIB = 1024 * 1024 * 1024;

const bool = (fallback: "true" | "false") =>
  z
    .enum(["true", "false", "1", "0"])
    .default(fallback)
    .transform((v) => v === "true" || v === "1");

const envSchema = z
  .object({
    DATABASE_URL: z.string().url({ message: "DATABASE_URL must be a postgresql:// URL" }),
    REDIS_URL: z.string().url({ message: "REDIS_URL must be a redis:// URL" }),
    STORAGE_URL: z.string().url({ message: "STORAGE_URL must be file:///dir or s3://bucket/prefix" }),
    // The same names as the runner (boto3 reads AWS_* itself).
    S3_ENDPOINT_URL: z.string().url().optional(),
    S3_REGION: z.string().optional(),
    AWS_ACCESS_KEY_ID: z.string().optional(),
    AWS_SECRET_ACCESS_KEY: z.string().optional(),
    AUTH_SECRET: z.string().min(32, { message: "AUTH_SECRET must be at least 32 characters" }),
    /** Trust the Host / X-Forwarded-Host headers (self-hosted behind a proxy); default true. */
    AUTH_TRUST_HOST: bool("true"),
    MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(GIB),
    /** Encrypts webhook signing secrets at rest; the worker needs the same value to sign deliveries. */
    WEBHOOK_SECRET_KEY: z.string().min(32, { message: "WEBHOOK_SECRET_KEY must be at least 32 characters" }).optional(),
    OIDC_ISSUER: z.string().url().optional(),
    OIDC_CLIENT_ID: z.string().optional(),
    OIDC_CLIENT_SECRET: z.string().optional(),
    OIDC_NAME: z.string().default("Single sign-on"),
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  })
  .superRefine((env, ctx) => {
    const oidc = [env.OIDC_ISSUER, env.OIDC_CLIENT_ID, env.OIDC_CLIENT_SECRET];
    if (oidc.some(Boolean) && !oidc.every(Boolean)) {
      ctx.addIssue({
        code: "custom",
        path: ["OIDC_ISSUER"],
        message: "set all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, or none",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

let cached: Env | null = null;

export function env(): Env {
  if (cached) return cached;
  // An empty value (`OIDC_ISSUER=` in .env) means "not set".
  const given = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`apps/web: invalid environment\n${lines}`);
  }
  cached = parsed.data;
  return cached;
}

/** OIDC is switched on when its three variables are set. */
export function oidcEnabled(): boolean {
  const e = env();
  return Boolean(e.OIDC_ISSUER && e.OIDC_CLIENT_ID && e.OIDC_CLIENT_SECRET);
}

/** Non-secret values the browser may see, computed on the server. */
export function publicConfig() {
  const e = env();
  return { oidcEnabled: oidcEnabled(), oidcName: e.OIDC_NAME, maxUploadBytes: e.MAX_UPLOAD_BYTES };
}
