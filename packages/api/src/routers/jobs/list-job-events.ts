import { listJobEvents } from "../../jobs/list-job-events";
import { teamProcedure } from "../../trpc";
import { listJobEventsInput, listJobEventsMeta, listJobEventsOutput } from "./job-reads.types";

export const listJobEventsRoute = teamProcedure
  .meta(listJobEventsMeta)
  .input(listJobEventsInput)
  .output(listJobEventsOutput)
  .query(({ ctx, input }) => listJobEvents(ctx.prisma, ctx.team.id, input));
