import { router } from "../../trpc";
import { createJobRoute } from "./create-job";

export const jobsRouter = router({
  create: createJobRoute,
});
