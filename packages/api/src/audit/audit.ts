import type { Prisma, PrismaClient } from "@whetstone/db";

/** Every action the audit log records; the admin console filters by them. */
export const AUDIT_ACTIONS = [
  "api_key.created",
  "api_key.revoked",
  "member.added",
  "member.removed",
  "member.role_changed",
  "job.cancelled",
  "job.paused",
  "job.resumed",
  "webhook.created",
  "webhook.deleted",
  "dataset.deleted",
  "dataset.cleaned",
  "job.readiness_override",
  "active_learning.project_deleted",
  "base_model.registered",
  "runner.drained",
  "runner.disabled",
  "runner.enabled",
  "quota.set",
  "quota.refused",
  "generator_endpoint.set",
  "generator_endpoint.cleared",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  actorUserId: string | null;
  teamId: string | null;
  targetType?: string;
  targetId?: string;
  details?: Prisma.InputJsonValue;
}

/** Appends one row to the audit log (admin console). Never put a secret in `details`. */
export async function audit(prisma: PrismaClient | Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  await prisma.auditLog.create({
    data: {
      action: entry.action,
      actorUserId: entry.actorUserId,
      teamId: entry.teamId,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      details: entry.details,
    },
  });
}
