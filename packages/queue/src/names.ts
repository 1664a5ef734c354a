/** Names shared by every process that talks through Redis, derived from the contract (contract.ts). */
import { JOB_KINDS, QUEUES, REDIS_KEYS, redisKey } from "./contract";

export const TRAINING_QUEUE = QUEUES.training;
export const INFERENCE_QUEUE = QUEUES.inference;
export const TRAINING_JOB_NAME = JOB_KINDS.train.jobName;
/** Redis Stream the runners write their events to; apps/worker reads it with a consumer group. */
export const EVENTS_STREAM = redisKey(REDIS_KEYS.eventsStream);
export const EVENTS_GROUP = REDIS_KEYS.eventsGroup;
/** Set (value "1") to ask the runner holding a job to kill it. */
export const cancelKey = (jobId: string) => redisKey(REDIS_KEYS.cancel, { jobId });
export const pauseKey = (jobId: string) => redisKey(REDIS_KEYS.pause, { jobId });
/** Set to "drain" (finish the current job, take no more) or "disable" by the admin console. */
export const runnerControlKey = (runnerName: string) => redisKey(REDIS_KEYS.runnerControl, { runnerName });
/** Refreshed by the runner at every heartbeat, expiring after a few missed ones: its liveness as Redis sees it. */
export const runnerAliveKey = (runnerName: string, prefix?: string) =>
  redisKey(REDIS_KEYS.runnerAlive, { runnerName }, prefix);
/** Pub/sub channel on which the worker announces a job changed, for open job pages. */
export const jobUpdatesChannel = (jobId: string) => redisKey(REDIS_KEYS.jobUpdates, { jobId });
