import { createCallerFactory, router } from "./trpc";
import { jobsRouter } from "./routers/jobs";
import { teamsRouter } from "./routers/teams";

export const appRouter = router({
  teams: teamsRouter,
  jobs: jobsRouter,
});
export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
