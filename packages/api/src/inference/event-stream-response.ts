/**
 * The streamed answer of a generation, shared by the playground's REST route (apps/web generate.ts) and the
 * OpenAI-compatible chat completions: a `text/event-stream` response whose events `produce` writes as the runner's
 * entries arrive. A comment line every `heartbeatMs` keeps idle proxies from closing the connection; a client that
 * goes away aborts `ac` (writes stop); when `produce` ends — or throws, and `onError` writes the last event — the
 * heartbeat stops, `release` runs (it cancels the generation if it has not finished) and the stream closes.
 */
/** The headers of every server-sent-events answer: no caching or transforming proxy, no buffering (nginx). */
export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

export interface EventStreamOptions {
  requestId: string;
  ac: AbortController;
  heartbeatMs: number;
  /** The comment line of a heartbeat, e.g. `: keep-alive\n\n`. */
  heartbeat: () => string;
  produce: (write: (text: string) => void) => Promise<void>;
  onError: (err: unknown, write: (text: string) => void) => void;
  release: () => Promise<void>;
}

export function eventStreamResponse(o: EventStreamOptions): Response {
  const encoder = new TextEncoder();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        if (o.ac.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          o.ac.abort();
        }
      };
      heartbeat = setInterval(() => write(o.heartbeat()), o.heartbeatMs);
      // Not awaited: the response starts now, the events follow as the runner writes its entries.
      void (async () => {
        try {
          await o.produce(write);
        } catch (err) {
          o.onError(err, write);
        } finally {
          clearInterval(heartbeat);
          await o.release();
          try {
            controller.close();
          } catch {
            /* already closed by the client */
          }
        }
      })();
    },
    cancel() {
      clearInterval(heartbeat);
      o.ac.abort();
    },
  });
  return new Response(stream, { status: 200, headers: { ...EVENT_STREAM_HEADERS, "x-request-id": o.requestId } });
}
