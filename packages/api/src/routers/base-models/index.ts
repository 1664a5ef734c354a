import { router } from "../../trpc";
import { getBaseModelRoute } from "./get-base-model";
import { listBaseModelsRoute } from "./list-base-models";
import { registerBaseModelRoute } from "./register-base-model";

export const baseModelsRouter = router({
  list: listBaseModelsRoute,
  get: getBaseModelRoute,
  register: registerBaseModelRoute,
});
