import { listAuditLog } from "../../admin/audit-log";
import { adminProcedure } from "../../trpc";
import { listAuditLogInput, listAuditLogMeta, listAuditLogOutput } from "./admin.types";

export const listAuditLogRoute = adminProcedure
  .meta(listAuditLogMeta)
  .input(listAuditLogInput)
  .output(listAuditLogOutput)
  .query(({ ctx, input }) =>
    listAuditLog(ctx.prisma, {
      ...input,
      from: input.from ? new Date(input.from) : undefined,
      to: input.to ? new Date(input.to) : undefined,
    }),
  );
