import { createCallerFactory, router } from "./trpc";
import { adminRouter } from "./routers/admin";
import { apiKeysRouter } from "./routers/api-keys";
import { authRouter } from "./routers/auth";
import { augmentationsRouter } from "./routers/augmentations";
import { baseModelsRouter } from "./routers/base-models";
import { datasetsRouter } from "./routers/datasets";
import { evaluationsRouter } from "./routers/evaluations";
import { activeLearningRouter } from "./routers/active-learning";
import { healthRouter } from "./routers/health";
import { jobsRouter } from "./routers/jobs";
import { teamsRouter } from "./routers/teams";
import { usageRouter } from "./routers/usage";
import { webhooksRouter } from "./routers/webhooks";

export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  teams: teamsRouter,
  apiKeys: apiKeysRouter,
  baseModels: baseModelsRouter,
  datasets: datasetsRouter,
  jobs: jobsRouter,
  evaluations: evaluationsRouter,
  augmentations: augmentationsRouter,
  activeLearning: activeLearningRouter,
  usage: usageRouter,
  webhooks: webhooksRouter,
  admin: adminRouter,
});
export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
