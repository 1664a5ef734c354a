import { router } from "../../trpc";
import { checkHealthRoute } from "./check-health";

export const healthRouter = router({ check: checkHealthRoute });
