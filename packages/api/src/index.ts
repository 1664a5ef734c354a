export { appRouter, createCaller, type AppRouter } from "./root";
export { createContext, type ApiDeps, type ApiConfig, type Caller, type Context } from "./trpc";
export { createRequestContext } from "./request-context";
export { AppError } from "./errors";
export { retryAfterHeaders, unavailableError } from "./dependency-errors";
export { REQUEST_REDIS_OPTIONS } from "./request-redis-options";
export { buildOpenApiDocument, procedureSuccessStatus, API_VERSION, type RestMeta } from "./openapi";
// the REST API's one error shape and its document, for the routes of apps/web
export {
  restError,
  restErrorFrom,
  validationError,
  validationIssues,
  ERROR_SCHEMA,
  ERROR_STATUS,
  type RestErrorBody,
  type ValidationIssue,
} from "./rest/errors";
export { routeTable, type OpenApiDocumentLike, type OperationObject, type RouteTable } from "./rest/document";
export {
  handleRestRequest,
  routesOf,
  routeByDocument,
  REST_PREFIX,
  MAX_JSON_BODY_BYTES,
  type RestHandlerOptions,
} from "./rest/handle-rest";
export { drainBody, refuseUnread, withConnectionClose, DRAIN_LIMIT_BYTES } from "./rest/unread-body";
// auth helpers for apps/web (next-auth credentials / OIDC) and REST
export { signUp, hashPassword, normalizeEmail, MIN_PASSWORD_LENGTH } from "./auth/sign-up";
export { verifyPassword } from "./auth/verify-password";
export { upsertOidcUser } from "./auth/upsert-oidc-user";
export { authenticateApiKey } from "./auth/authenticate-api-key";
export { resolveTeamScope, type TeamScope } from "./auth/resolve-team-scope";
export { audit, type AuditAction, type AuditEntry } from "./audit/audit";
// jobs, for apps/worker
export {
  enqueueTrainingJob,
  buildTrainingJobPayload,
  EnqueueError,
  TRAINING_JOB_OPTIONS,
} from "./jobs/enqueue-training-job";
export { stateEventMessage, parseStateEventMessage } from "./jobs/job-events";
// runner events and reconciliation, for apps/worker (its events consumer and reconcile timer)
export { applyRunnerEvent } from "./runner-events/apply-runner-event";
export { prepareAugmentedVersion } from "./augmentations/prepare-augmented-version";
export { settleAugmentationEvent } from "./augmentations/settle-augmentation-event";
export type { ApplyEffect, ApplyOptions, ApplyResult, JobUpdate } from "./runner-events/runner-event.types";
export { dropDuplicate, performApplyEffects } from "./runner-events/perform-apply-effects";
// evaluations, for apps/worker (the automatic evaluation after training) and apps/web
export { enqueueEvaluation, EVALUATION_JOB_OPTIONS } from "./evaluations/enqueue-evaluation";
export { buildEvaluationPayload } from "./evaluations/build-evaluation-payload";
export {
  evaluationReportSchema,
  evaluationSummarySchema,
  type EvaluationReport,
  type EvaluationSummary,
} from "./evaluations/evaluation-report";
export { reconcileOnce } from "./reconcile/reconcile-once";
export type { ReconcileLog, ReconcileOptions, ReconcileReport } from "./reconcile/reconcile.types";
// datasets, for the upload routes of apps/web
export { ingestDataset, type IngestDatasetInput } from "./datasets/ingest-dataset";
export { sweepOrphanBlobs, type OrphanSweepState } from "./datasets/ingest/sweep-orphan-blobs";
// API keys, for scripts (the quickstart demo)
export { createApiKey, revokeApiKey } from "./api-keys/api-keys";
// scheduling, for apps/worker (quota promotion on final states, periodic fair-order sweep)
export { promotePendingJobs, sweepScheduling } from "./scheduling/promote-pending-jobs";
export { rebalanceQueue } from "./scheduling/rebalance-queue";
export { startSchedulingSweep, onJobStateApplied, type SchedulingSweep } from "./scheduling/scheduling-sweep";
export { usageCsv, getTeamUsage } from "./usage/get-team-usage";
// inference, for the generate routes of apps/web (REST and the playground)
export { startGeneration, GENERATION_TTL_MS, type StartedGeneration } from "./inference/start-generation";
export {
  readGenerationStream,
  generationStreamKey,
  GenerationTimeoutError,
  GenerationFailedError,
} from "./inference/read-generation-stream";
export { collectGeneration } from "./inference/collect-generation";
export { EVENT_STREAM_HEADERS, eventStreamResponse, type EventStreamOptions } from "./inference/event-stream-response";
export { cancelGeneration } from "./inference/cancel-generation";
export {
  generateRequestSchema,
  type GenerateRequestInput,
  type GenerationEntry,
  type GenerationResult,
} from "./inference/generate-request";
// a job's model as one archive (the download routes of apps/web)
export {
  ARCHIVE_KINDS,
  archiveChecksum,
  planModelArchive,
  saveArchiveChecksum,
  storedArchiveChecksum,
  streamModelArchive,
  type ArchiveKind,
  type ModelArchive,
} from "./model-archive/model-archive";
export { renderModelfile, type ModelfileInput } from "./model-archive/modelfile";
export { completeModelCard, renderEvaluationSection } from "./model-archive/model-card";
