export { appRouter, createCaller, type AppRouter } from "./root";
export { createContext, type ApiDeps, type ApiConfig, type Caller, type Context } from "./trpc";
export { createRequestContext } from "./request-context";
export { AppError } from "./errors";
export { buildOpenApiDocument, API_VERSION } from "./openapi";
// auth helpers for apps/web (next-auth credentials / OIDC) and REST
export { signUp, hashPassword, normalizeEmail, MIN_PASSWORD_LENGTH } from "./auth/sign-up";
export { verifyPassword } from "./auth/verify-password";
export { upsertOidcUser } from "./auth/upsert-oidc-user";
export { authenticateApiKey } from "./auth/authenticate-api-key";
export { audit, type AuditAction, type AuditEntry } from "./audit/audit";
// jobs, for apps/worker
export { enqueueTrainingJob, buildTrainingJobPayload, EnqueueError, TRAINING_JOB_OPTIONS } from "./jobs/enqueue-training-job";
export { stateEventMessage, parseStateEventMessage } from "./jobs/job-events";
