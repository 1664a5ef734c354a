import { router } from "../../trpc";
import { deleteDatasetRoute } from "./delete-dataset";
import { getDatasetRoute } from "./get-dataset";
import { getDatasetVersionRoute } from "./get-dataset-version";
import { listDatasetsRoute } from "./list-datasets";

export const datasetsRouter = router({
  list: listDatasetsRoute,
  get: getDatasetRoute,
  getVersion: getDatasetVersionRoute,
  delete: deleteDatasetRoute,
});
