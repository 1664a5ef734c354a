/** Schemas and OpenAPI metadata of the admin procedures (instance admins only; REST with an admin API key). */
import { JOB_STATES } from "@whetstone/core";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
import { teamUsageOutput } from "../usage/usage.types";

const tags = ["Admin"];
const meta = (
  method: "GET" | "POST" | "PUT",
  path: `/${string}`,
  summary: string,
  description?: string,
): OpenApiMeta => ({
  openapi: { method, path, tags, summary, ...(description ? { description } : {}), protect: true },
});

// ── runners
export const listRunnersMeta = meta(
  "GET",
  "/admin/runners",
  "Every GPU runner: GPU, VRAM, CUDA, state, current job, heartbeat age, jobs done, GPU-hours",
);
export const listRunnersInput = z.void();
export const runnerOutput = z.object({
  name: z.string(),
  gpuName: z.string().nullable(),
  vramMb: z.number().int().nullable(),
  /** GPUs of the host (decision 0014); 0 on a CPU runner. */
  gpuCount: z.number().int(),
  cudaVersion: z.string().nullable(),
  version: z.string().nullable(),
  state: z.enum(["idle", "busy", "draining", "disabled", "offline"]),
  currentJob: z
    .object({
      id: z.string(),
      name: z.string().nullable(),
      state: z.enum(JOB_STATES).nullable(),
      teamId: z.string().nullable(),
      teamSlug: z.string().nullable(),
      teamName: z.string().nullable(),
    })
    .nullable(),
  lastHeartbeatAt: z.date().nullable(),
  heartbeatAgeSeconds: z.number().nullable(),
  jobsDone: z.number().int(),
  gpuHours: z.number(),
  createdAt: z.date(),
});
export const listRunnersOutput = z.array(runnerOutput);

export const runnerNameInput = z.object({ name: z.string().min(1).max(200) });
export const runnerControlOutput = z.object({
  name: z.string(),
  state: z.enum(["idle", "busy", "draining", "disabled", "offline"]),
  /** The value of the runner's control key: "drain", "disable", or null (enabled). */
  control: z.enum(["drain", "disable"]).nullable(),
});
export const drainRunnerMeta = meta(
  "POST",
  "/admin/runners/{name}/drain",
  "Drain a runner: it finishes its current job and takes no more",
);
export const disableRunnerMeta = meta(
  "POST",
  "/admin/runners/{name}/disable",
  "Disable a runner: it takes no job (a job in hand goes back to the queue)",
);
export const enableRunnerMeta = meta(
  "POST",
  "/admin/runners/{name}/enable",
  "Enable a drained or disabled runner again",
);

// ── quotas
export const listQuotasMeta = meta(
  "GET",
  "/admin/quotas",
  "Every team's quota and its use: admitted, running and pending jobs, GPU-hours this month",
);
export const listQuotasInput = z.void();
export const listQuotasOutput = z.object({
  month: z.string(),
  teams: z.array(
    z.object({
      teamId: z.string(),
      slug: z.string(),
      name: z.string(),
      maxConcurrentGpus: z.number().int().nullable(),
      monthlyGpuHours: z.number().nullable(),
      updatedAt: z.date().nullable(),
      admitted: z.number().int(),
      running: z.number().int(),
      pending: z.number().int(),
      usedGpuHours: z.number(),
    }),
  ),
});

export const setQuotaMeta = meta(
  "PUT",
  "/admin/teams/{teamId}/quota",
  "Set a team's quota",
  "maxConcurrentGpus: jobs admitted at once (queued + running); more wait in pending_quota. monthlyGpuHours: GPU-hours per calendar month (UTC); once spent, new jobs are refused. null means no limit. Raising a quota starts waiting jobs at once.",
);
export const setQuotaInput = z.object({
  teamId: z.string().min(1),
  maxConcurrentGpus: z.number().int().min(0).max(10_000).nullable(),
  monthlyGpuHours: z.number().min(0).max(10_000_000).nullable(),
});
export const setQuotaOutput = z.object({
  teamId: z.string(),
  maxConcurrentGpus: z.number().int().nullable(),
  monthlyGpuHours: z.number().nullable(),
  updatedAt: z.date(),
  promotedJobIds: z.array(z.string()),
});

// ── usage of any team
export const getTeamUsageMeta = meta(
  "GET",
  "/admin/teams/{teamId}/usage",
  "A team's GPU usage in a month: per job and per day",
);
export const getTeamUsageInput = z.object({
  teamId: z.string().min(1),
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "month must look like 2026-11")
    .optional(),
});
export const getTeamUsageOutput = teamUsageOutput;

// ── audit log
export const listAuditLogMeta = meta(
  "GET",
  "/admin/audit-log",
  "The audit log, newest first: filter by action, team and date range (cursor pagination)",
);
export const listAuditLogInput = z.object({
  /** Exact action ("quota.set"), or a prefix ending in "." or "*" ("runner.", "runner.*"). */
  action: z.string().min(1).max(100).optional(),
  teamId: z.string().min(1).optional(),
  /** Inclusive lower bound, an ISO 8601 date-time (2026-11-01T00:00:00Z). */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Exclusive upper bound, an ISO 8601 date-time. */
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).optional(),
});
export const listAuditLogOutput = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      createdAt: z.date(),
      action: z.string(),
      actorUserId: z.string().nullable(),
      actorEmail: z.string().nullable(),
      teamId: z.string().nullable(),
      teamSlug: z.string().nullable(),
      teamName: z.string().nullable(),
      targetType: z.string().nullable(),
      targetId: z.string().nullable(),
      details: z.unknown(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
