/** The non-streamed answer: a whole generation stream read into one object. */
import type { GenerationEntry, GenerationResult } from "./generate-request";
import { GenerationFailedError } from "./read-generation-stream";

/** Reads a whole stream into one answer (the non-streamed REST call); an `error` entry throws GenerationFailedError. */
export async function collectGeneration(
  entries: AsyncIterable<GenerationEntry>,
  requestId: string,
): Promise<GenerationResult> {
  let text = "";
  let probs: Record<string, number> | null = null;
  let runner: string | null = null;
  for await (const e of entries) {
    if (e.type === "start") runner = e.runner;
    else if (e.type === "token") text += e.text;
    else if (e.type === "probs") probs = e.labels;
    else if (e.type === "error") throw new GenerationFailedError(requestId, e.message);
    else if (e.type === "done") {
      return {
        text,
        finishReason: e.finishReason,
        usage: e.usage,
        probs,
        ttftMs: e.ttftMs,
        tokensPerSecond: e.tokensPerSecond,
        runner,
      };
    }
  }
  throw new GenerationFailedError(requestId, "the request was abandoned before the runner finished");
}
