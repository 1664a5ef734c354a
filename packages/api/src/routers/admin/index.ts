import { router } from "../../trpc";
import { disableRunnerRoute } from "./disable-runner";
import { drainRunnerRoute } from "./drain-runner";
import { enableRunnerRoute } from "./enable-runner";
import {
  clearGeneratorEndpointRoute,
  getGeneratorEndpointRoute,
  setGeneratorEndpointRoute,
} from "./generator-endpoint";
import { getTeamUsageRoute } from "./get-team-usage";
import { listAuditLogRoute } from "./list-audit-log";
import { listQuotasRoute } from "./list-quotas";
import { listRunnersRoute } from "./list-runners";
import { setQuotaRoute } from "./set-quota";

/** The admin console's procedures: instance admins only (adminProcedure), over tRPC and REST (/admin/…). */
export const adminRouter = router({
  listRunners: listRunnersRoute,
  drainRunner: drainRunnerRoute,
  disableRunner: disableRunnerRoute,
  enableRunner: enableRunnerRoute,
  listQuotas: listQuotasRoute,
  setQuota: setQuotaRoute,
  teamUsage: getTeamUsageRoute,
  auditLog: listAuditLogRoute,
  generatorEndpoint: getGeneratorEndpointRoute,
  setGeneratorEndpoint: setGeneratorEndpointRoute,
  clearGeneratorEndpoint: clearGeneratorEndpointRoute,
});
