export { appRouter, createCaller, type AppRouter } from "./root";
export { createContext, type ApiDeps, type ApiConfig, type Caller, type Context } from "./trpc";
export { AppError } from "./errors";
export { enqueueTrainingJob, buildTrainingJobPayload, EnqueueError, TRAINING_JOB_OPTIONS } from "./jobs/enqueue-training-job";
export { stateEventMessage, parseStateEventMessage } from "./jobs/job-events";
