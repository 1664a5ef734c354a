/** The worker process: `npm start -w @whetstone/worker`. */
import { loadEnv } from "./env";
import { createLogger } from "./logger";
import { startWorker } from "./worker";

const env = loadEnv();
const logger = createLogger({ level: env.LOG_LEVEL, base: { worker: env.WORKER_NAME } });
const worker = startWorker(env, logger);

const SHUTDOWN_TIMEOUT_MS = 20_000;
let shuttingDown = false;
function shutdown(signal: string): void {
  if (shuttingDown) return;
  shuttingDown = true;
  logger.info("shutting down", { signal });
  setTimeout(() => {
    logger.error("shutdown timed out; exiting", { timeoutMs: SHUTDOWN_TIMEOUT_MS });
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS).unref();
  worker.close().then(
    () => process.exit(0),
    (err: unknown) => {
      logger.error("shutdown failed", { err });
      process.exit(1);
    },
  );
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
process.on("unhandledRejection", (err) => logger.error("unhandled rejection", { err }));
