import { router } from "../../trpc";
import { cancelJobRoute } from "./cancel-job";
import { createJobRoute } from "./create-job";
import { getJobRoute } from "./get-job";
import { getJobMetricsRoute } from "./get-job-metrics";
import { listJobArtifactsRoute } from "./list-job-artifacts";
import { listJobEventsRoute } from "./list-job-events";
import { listJobsRoute } from "./list-jobs";
import { getJobMergeRoute, mergeJobRoute } from "./merge-job";
import { pauseJobRoute } from "./pause-job";
import { resumeJobRoute } from "./resume-job";
import { estimateJobRoute } from "../usage/estimate-job";

export const jobsRouter = router({
  create: createJobRoute,
  list: listJobsRoute,
  get: getJobRoute,
  events: listJobEventsRoute,
  metrics: getJobMetricsRoute,
  artifacts: listJobArtifactsRoute,
  cancel: cancelJobRoute,
  pause: pauseJobRoute,
  resume: resumeJobRoute,
  merge: mergeJobRoute,
  mergeStatus: getJobMergeRoute,
  estimate: estimateJobRoute,
});
