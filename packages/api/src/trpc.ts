/**
 * The one tRPC core file: context, procedures and the error formatter.
 *
 * Procedures:
 * - publicProcedure     anyone
 * - protectedProcedure  a signed-in user or an API key
 * - teamProcedure       runs in the caller's team scope (`ctx.team`); read access for every role
 * - teamWriteProcedure  owner or member of that team (viewers are refused)
 * - teamOwnerProcedure  owner of that team
 * - adminProcedure      instance admins only
 *
 * The team comes from the API key (a key belongs to one team) or, for a signed-in user, from the
 * `x-whetstone-team` header (the dashboard sends the team slug of the page). A team the caller is not a
 * member of is answered NOT_FOUND, so its existence does not leak.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import superjson from "superjson";
import type { OpenApiMeta } from "trpc-to-openapi";
import { ZodError } from "zod";
import type { PrismaClient, Role } from "@whetstone/db";
import type { BlobStorage } from "@whetstone/storage";
import { resolveTeamScope } from "./auth/resolve-team-scope";
import { unavailableError } from "./dependency-errors";
import { AppError } from "./errors";
import { findUnstorableText, isUnstorableTextError, unstorableFieldOf, unstorableTextError } from "./input-text";

export interface ApiConfig {
  /** Largest dataset upload accepted, in bytes. */
  maxUploadBytes: number;
  /** WEBHOOK_SECRET_KEY: encrypts webhook signing secrets at rest; unset, no endpoint can be registered. */
  webhookSecretKey?: string | null;
}

/** What the API needs from the outside world; the app builds it once and passes it to every request. */
export interface ApiDeps {
  prisma: PrismaClient;
  redis: Redis;
  trainingQueue: Queue;
  storage: BlobStorage;
  config: ApiConfig;
}

export type Caller =
  | { kind: "session"; userId: string; isAdmin: boolean }
  | {
      kind: "apiKey";
      userId: string;
      isAdmin: boolean;
      apiKeyId: string;
      teamId: string;
      role: Role;
      /** The key's team, read with the key (authenticateApiKey), so the team scope needs no second lookup. */
      team?: { slug: string; name: string };
    };

export interface CreateContextOptions {
  deps: ApiDeps;
  caller: Caller | null;
  /** Team slug the dashboard is looking at (header `x-whetstone-team`); ignored for API keys. */
  teamSlug: string | null;
}

export function createContext(opts: CreateContextOptions) {
  return { ...opts.deps, deps: opts.deps, caller: opts.caller, teamSlug: opts.teamSlug };
}
export type Context = ReturnType<typeof createContext>;

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error }) {
      const cause = error.cause;
      return {
        ...shape,
        data: {
          ...shape.data,
          details: cause instanceof AppError ? cause.details : null,
          zodIssues: cause instanceof ZodError ? cause.issues : null,
        },
      };
    },
  });

/**
 * Turns AppError into TRPCError with the same code, keeping it as the cause for the formatter; a dependency that is
 * down or saturated (database pool, Redis, storage) becomes a 503 naming it (dependency-errors.ts), not a 500.
 */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause instanceof AppError ? result.error.cause : unavailableError(result.error.cause);
  if (cause) throw new TRPCError({ code: cause.code, message: cause.message, cause });
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

/**
 * No text the API reads may hold a NUL or a lone surrogate (./input-text.ts): a field of the input that does is a
 * 400 naming it, before the procedure runs; keys the input schema does not know are stripped, not judged. Should
 * such text reach the database another way, its refusal is the same 400, not a 500.
 */
const refuseUnstorableText = t.middleware(async ({ path, getRawInput, next }) => {
  const raw = await getRawInput();
  if (findUnstorableText(raw) !== null) {
    const field = await unstorableFieldOf(path, raw);
    if (field !== null) throw unstorableTextError(field);
  }
  const result = await next();
  if (result.ok || !isUnstorableTextError(result.error.cause)) return result;
  throw unstorableTextError(findUnstorableText(raw) ?? "");
});

export const publicProcedure = t.procedure.use(mapErrors).use(refuseUnstorableText);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.caller) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in or send an API key" });
  return next({ ctx: { ...ctx, caller: ctx.caller } });
});

export type { TeamScope } from "./auth/resolve-team-scope";

export const teamProcedure = protectedProcedure.use(async ({ ctx, next }) => {
  const { caller } = ctx;
  if (caller.kind === "session" && !ctx.teamSlug) {
    throw new TRPCError({ code: "BAD_REQUEST", message: "no team selected: send the x-whetstone-team header" });
  }
  const team = await resolveTeamScope(ctx.prisma, caller, ctx.teamSlug);
  if (!team) throw new TRPCError({ code: "NOT_FOUND", message: "team not found" });
  return next({ ctx: { ...ctx, team } });
});

export const teamWriteProcedure = teamProcedure.use(({ ctx, next }) => {
  if (ctx.team.role === "viewer") {
    throw new TRPCError({ code: "FORBIDDEN", message: "viewers have read-only access to this team" });
  }
  return next();
});

export const teamOwnerProcedure = teamProcedure.use(({ ctx, next }) => {
  if (ctx.team.role !== "owner") throw new TRPCError({ code: "FORBIDDEN", message: "only a team owner can do this" });
  return next();
});

export const adminProcedure = protectedProcedure.use(({ ctx, next }) => {
  if (!ctx.caller.isAdmin) throw new TRPCError({ code: "FORBIDDEN", message: "instance admins only" });
  return next();
});
