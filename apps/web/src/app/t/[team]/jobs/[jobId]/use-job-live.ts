"use client";
/**
 * Live updates for one job: an EventSource on /api/jobs/{id}/stream; each message invalidates the queries it
 * concerns. When the stream fails (proxy, Redis down) the page falls back to polling every few seconds.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "@/lib/trpc";

export type LiveStatus = "connecting" | "live" | "polling" | "off";

export function useJobLive(jobId: string, active: boolean, onLog: () => void): LiveStatus {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>(active ? "connecting" : "off");
  const onLogRef = useRef(onLog);
  onLogRef.current = onLog;

  useEffect(() => {
    if (!active) {
      setStatus("off");
      return;
    }
    const invalidate = (type: string | undefined) => {
      if (type === "metric") {
        void qc.invalidateQueries({ queryKey: trpc.jobs.metrics.queryKey({ id: jobId }) });
        void qc.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id: jobId }) });
        return;
      }
      if (type === "log") return onLogRef.current();
      void qc.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id: jobId }) });
      void qc.invalidateQueries({ queryKey: trpc.jobs.metrics.queryKey({ id: jobId }) });
      onLogRef.current();
    };

    let es: EventSource | null = null;
    let failures = 0;
    let poll: ReturnType<typeof setInterval> | undefined;
    const startPolling = () => {
      setStatus("polling");
      poll ??= setInterval(() => invalidate(undefined), 4000);
    };
    const connect = () => {
      es = new EventSource(`/api/jobs/${encodeURIComponent(jobId)}/stream`);
      es.addEventListener("ready", () => {
        failures = 0;
        clearInterval(poll);
        poll = undefined;
        setStatus("live");
        invalidate(undefined); // catch up on anything that happened before the subscription
      });
      es.addEventListener("update", (e) => {
        let type: string | undefined;
        try {
          type = (JSON.parse((e as MessageEvent<string>).data) as { type?: string }).type;
        } catch {
          type = undefined;
        }
        invalidate(type);
      });
      es.onerror = () => {
        failures++;
        // EventSource reconnects on its own; after repeated failures poll instead.
        if (failures >= 3) {
          es?.close();
          startPolling();
        } else {
          setStatus("connecting");
        }
      };
    };
    connect();
    return () => {
      es?.close();
      clearInterval(poll);
    };
  }, [active, jobId, qc, trpc]);

  return status;
}
