import { publicProcedure } from "../../trpc";
import { checkHealthInput, checkHealthMeta, checkHealthOutput } from "./check-health.types";

export const checkHealthRoute = publicProcedure
  .meta(checkHealthMeta)
  .input(checkHealthInput)
  .output(checkHealthOutput)
  .query(() => ({ ok: true as const, time: new Date() }));
