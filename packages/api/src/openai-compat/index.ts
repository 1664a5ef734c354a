/** The OpenAI-compatible API (decision 0010), for apps/web's /v1 route: `import … from "@whetstone/api/openai-compat"`. */
export {
  handleOpenAiRequest,
  MAX_OPENAI_JSON_BYTES,
  type MultipartUpload,
  type OpenAiHandlerOptions,
} from "./handle-openai-request";
export type { ChatDeps } from "./chat-completions";
export { OpenAiError, openAiErrorResponse, type OpenAiErrorBody } from "./errors";
export { fineTunedModelName, parseFineTunedModelName } from "./ids";
export { resultsCsv } from "./results-file";
