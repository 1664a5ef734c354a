import { router } from "../../trpc";
import { cancelEvaluationRoute } from "./cancel-evaluation";
import { createEvaluationRoute } from "./create-evaluation";
import { getEvaluationRoute } from "./get-evaluation";
import { listEvaluationsRoute } from "./list-evaluations";

export const evaluationsRouter = router({
  create: createEvaluationRoute,
  list: listEvaluationsRoute,
  get: getEvaluationRoute,
  cancel: cancelEvaluationRoute,
});
