/**
 * GET /api/jobs/{id}/stream — server-sent events for one job. Subscribes to the worker's Redis channel
 * `jobUpdatesChannel(jobId)` on a dedicated connection and forwards each message as `event: update`;
 * a comment every 15 s keeps proxies from closing the stream; everything is released on disconnect.
 */
import type { Redis } from "ioredis";
import { EVENT_STREAM_HEADERS, type ApiDeps, type Caller } from "@whetstone/api";
import { jobUpdatesChannel } from "@whetstone/queue";
import { findJobInScope } from "../caller";
import { jsonError } from "../http";

export const HEARTBEAT_MS = 15_000;

export async function handleJobStream(
  req: Request,
  deps: ApiDeps,
  caller: Caller | null,
  jobId: string,
  createSubscriber: () => Redis,
  heartbeatMs = HEARTBEAT_MS,
): Promise<Response> {
  if (!caller) return jsonError(401, "UNAUTHORIZED", "sign in or send an API key");
  const job = await findJobInScope(deps, caller, jobId);
  if (!job) return jsonError(404, "NOT_FOUND", "job not found");

  const channel = jobUpdatesChannel(job.id);
  const sub = createSubscriber();
  const encoder = new TextEncoder();
  let closed = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let cleanupRef: (() => Promise<void>) | undefined;

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (chunk: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(chunk));
        } catch {
          void cleanup();
        }
      };
      const cleanup = async () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        req.signal.removeEventListener("abort", onAbort);
        sub.removeAllListeners("message");
        try {
          await sub.unsubscribe(channel);
        } catch {
          /* connection already gone */
        }
        sub.disconnect();
        try {
          controller.close();
        } catch {
          /* already closed by the client */
        }
      };
      const onAbort = () => void cleanup();
      cleanupRef = cleanup;
      req.signal.addEventListener("abort", onAbort);

      sub.on("message", (ch: string, message: string) => {
        if (ch !== channel) return;
        // One SSE event per message; a payload with newlines is split over several data lines.
        send(
          `event: update\n${message
            .split("\n")
            .map((l) => `data: ${l}`)
            .join("\n")}\n\n`,
        );
      });
      try {
        await sub.connect();
        await sub.subscribe(channel);
      } catch (err) {
        console.error("[web] SSE subscribe failed:", err);
        send(`event: error\ndata: {"message":"live updates unavailable"}\n\n`);
        await cleanup();
        return;
      }
      send(`retry: 3000\nevent: ready\ndata: {"jobId":${JSON.stringify(job.id)}}\n\n`);
      heartbeat = setInterval(() => send(`: heartbeat ${Date.now()}\n\n`), heartbeatMs);
    },
    async cancel() {
      await cleanupRef?.();
    },
  });

  return new Response(stream, { status: 200, headers: EVENT_STREAM_HEADERS });
}
