import { listQuotas } from "../../admin/quotas";
import { adminProcedure } from "../../trpc";
import { listQuotasInput, listQuotasMeta, listQuotasOutput } from "./admin.types";

export const listQuotasRoute = adminProcedure
  .meta(listQuotasMeta)
  .input(listQuotasInput)
  .output(listQuotasOutput)
  .query(({ ctx }) => listQuotas(ctx.prisma));
