/** Names shared by every process that talks through Redis. Python's runner uses the same strings. */
export const TRAINING_QUEUE = "training";
export const TRAINING_JOB_NAME = "training.run";
/** Redis Stream the runners write their events to; apps/worker reads it with a consumer group. */
export const EVENTS_STREAM = "whetstone:events";
export const EVENTS_GROUP = "persisters";
/** Set (value "1") to ask the runner holding a job to kill it. */
export const cancelKey = (jobId: string) => `whetstone:cancel:${jobId}`;
/** Set to "drain" (finish the current job, take no more) or "disable" by the admin console. */
export const runnerControlKey = (runnerName: string) => `whetstone:runner:${runnerName}:control`;
/** Pub/sub channel on which the worker announces a job changed, for open job pages. */
export const jobUpdatesChannel = (jobId: string) => `whetstone:job-updates:${jobId}`;
