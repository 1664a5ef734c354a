import { router } from "../../trpc";
import { deleteDatasetRoute } from "./delete-dataset";
import { getDatasetRoute } from "./get-dataset";
import { getDatasetVersionRoute } from "./get-dataset-version";
import { listDatasetsRoute } from "./list-datasets";
import { cleanDatasetVersionRoute } from "./clean-dataset-version";
import { getJobReadinessRoute } from "./get-job-readiness";
import { getVersionReadinessRoute } from "./get-version-readiness";

export const datasetsRouter = router({
  list: listDatasetsRoute,
  get: getDatasetRoute,
  getVersion: getDatasetVersionRoute,
  delete: deleteDatasetRoute,
  readiness: getVersionReadinessRoute,
  jobReadiness: getJobReadinessRoute,
  clean: cleanDatasetVersionRoute,
});
