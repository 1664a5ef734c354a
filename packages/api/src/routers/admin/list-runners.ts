import { listRunners } from "../../admin/runners";
import { adminProcedure } from "../../trpc";
import { listRunnersInput, listRunnersMeta, listRunnersOutput } from "./admin.types";

export const listRunnersRoute = adminProcedure
  .meta(listRunnersMeta)
  .input(listRunnersInput)
  .output(listRunnersOutput)
  .query(({ ctx }) => listRunners(ctx.prisma));
