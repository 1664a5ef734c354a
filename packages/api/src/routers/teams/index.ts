import { router } from "../../trpc";
import { addMemberRoute } from "./add-member";
import { changeMemberRoleRoute } from "./change-member-role";
import { createTeamRoute } from "./create-team";
import { getCurrentTeamRoute } from "./get-current-team";
import { listMembersRoute } from "./list-members";
import { listMyTeamsRoute } from "./list-my-teams";
import { removeMemberRoute } from "./remove-member";

export const teamsRouter = router({
  create: createTeamRoute,
  listMine: listMyTeamsRoute,
  current: getCurrentTeamRoute,
  members: listMembersRoute,
  addMember: addMemberRoute,
  changeMemberRole: changeMemberRoleRoute,
  removeMember: removeMemberRoute,
});
