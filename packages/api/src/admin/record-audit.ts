import type { Prisma, PrismaClient } from "@whetstone/db";

/** Audit actions of the GPU-sharing side (the admin console lists them with the others of src/audit/audit.ts). */
export const ADMIN_AUDIT_ACTIONS = [
  "runner.drained",
  "runner.disabled",
  "runner.enabled",
  "quota.set",
  "quota.refused",
] as const;
export type AdminAuditAction = (typeof ADMIN_AUDIT_ACTIONS)[number];

export interface AdminAuditEntry {
  action: AdminAuditAction;
  actorUserId: string | null;
  teamId: string | null;
  targetType?: string;
  targetId?: string;
  details?: Prisma.InputJsonValue;
}

/** Appends one row to the audit log. Never put a secret in `details`. */
export async function recordAudit(db: PrismaClient | Prisma.TransactionClient, entry: AdminAuditEntry): Promise<void> {
  await db.auditLog.create({
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
