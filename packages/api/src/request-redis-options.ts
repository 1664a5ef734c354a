/**
 * The Redis connection of the request path (the web app's producer connection: enqueue, cancel flags, the fair-order
 * rebalance). A request must answer at once while Redis is down, not after ioredis has retried for seconds: the
 * database row is the truth and the worker's reconciler enqueues what the request could not (decision 0001). So:
 * no offline queue (a command while disconnected fails at once), one retry, and a command Redis does not answer in
 * 2 s fails. The API turns those failures into 503s naming Redis (dependency-errors.ts).
 *
 * Never for a blocking reader (XREAD BLOCK, a BullMQ worker): those need `maxRetriesPerRequest: null`.
 */
import type { RedisOptions } from "ioredis";

export const REQUEST_REDIS_OPTIONS = Object.freeze({
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
} satisfies RedisOptions);
