import { router } from "../../trpc";
import { createTeamRoute } from "./create-team";
import { listMyTeamsRoute } from "./list-my-teams";

export const teamsRouter = router({
  create: createTeamRoute,
  listMine: listMyTeamsRoute,
});
