import { createCallerFactory, router } from "./trpc";
import { teamsRouter } from "./routers/teams";

export const appRouter = router({
  teams: teamsRouter,
});
export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
