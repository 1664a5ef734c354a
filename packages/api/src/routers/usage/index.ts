import { router } from "../../trpc";
import { getUsageRoute } from "./get-usage";

export const usageRouter = router({
  get: getUsageRoute,
});
