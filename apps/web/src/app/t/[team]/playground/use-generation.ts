"use client";
/**
 * One pane's generation: POSTs to /api/models/{id}/generate with `stream: true` and folds the server-sent events
 * (`request`, `start`, `token`, `probs`, `done`, `error`) into the pane's state as they arrive.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { readSse } from "./sse";

export interface Sampling {
  temperature: number;
  topP: number;
  maxNewTokens: number;
}

export interface GenerationInput {
  modelId: string;
  system: string;
  message: string;
  sampling: Sampling;
}

export type GenerationStatus = "idle" | "waiting" | "streaming" | "done" | "error";

export interface GenerationState {
  status: GenerationStatus;
  text: string;
  task: "chat" | "classify" | null;
  runner: string | null;
  probs: Record<string, number> | null;
  error: string | null;
  finishReason: "stop" | "length" | "cancelled" | null;
  ttftMs: number | null;
  tokensPerSecond: number | null;
  completionTokens: number | null;
}

const IDLE: GenerationState = {
  status: "idle",
  text: "",
  task: null,
  runner: null,
  probs: null,
  error: null,
  finishReason: null,
  ttftMs: null,
  tokensPerSecond: null,
  completionTokens: null,
};

type Entry =
  | { type: "start"; model: string; runner: string }
  | { type: "token"; text: string }
  | { type: "probs"; labels: Record<string, number> }
  | {
      type: "done";
      finishReason: "stop" | "length" | "cancelled";
      usage: { promptTokens: number; completionTokens: number };
      ttftMs: number | null;
      tokensPerSecond: number | null;
    }
  | { type: "error"; message: string };

function apply(s: GenerationState, event: string, data: unknown): GenerationState {
  if (event === "request") return { ...s, task: (data as { task: GenerationState["task"] }).task };
  const e = data as Entry;
  switch (e.type) {
    case "start":
      return { ...s, runner: e.runner };
    case "token":
      return { ...s, status: "streaming", text: s.text + e.text };
    case "probs":
      return { ...s, status: "streaming", probs: e.labels };
    case "done":
      return {
        ...s,
        status: "done",
        finishReason: e.finishReason,
        ttftMs: e.ttftMs,
        tokensPerSecond: e.tokensPerSecond,
        completionTokens: e.usage.completionTokens,
      };
    case "error":
      return { ...s, status: "error", error: e.message };
    default:
      return s;
  }
}

export function useGeneration(team: string) {
  const [state, setState] = useState<GenerationState>(IDLE);
  const abortRef = useRef<AbortController | null>(null);

  const stop = useCallback(() => {
    abortRef.current?.abort();
    abortRef.current = null;
  }, []);
  useEffect(() => stop, [stop]);

  const run = useCallback(
    async (input: GenerationInput) => {
      stop();
      const ac = new AbortController();
      abortRef.current = ac;
      let s: GenerationState = { ...IDLE, status: "waiting" };
      setState(s);
      const update = (next: GenerationState) => {
        s = next;
        if (!ac.signal.aborted) setState(next);
      };
      try {
        const res = await fetch(`/api/models/${encodeURIComponent(input.modelId)}/generate`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-whetstone-team": team },
          body: JSON.stringify({
            stream: true,
            system: input.system.trim() || undefined,
            messages: [{ role: "user", content: input.message }],
            sampling: input.sampling,
          }),
          signal: ac.signal,
        });
        if (!res.ok || !res.body) {
          const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
          update({ ...s, status: "error", error: body?.error?.message ?? `the server answered ${res.status}` });
          return;
        }
        for await (const frame of readSse(res.body, ac.signal)) {
          update(apply(s, frame.event, JSON.parse(frame.data)));
          if (s.status === "done" || s.status === "error") break;
        }
        if (s.status === "waiting" || s.status === "streaming") {
          update({ ...s, status: "error", error: "the connection closed before the answer was complete" });
        }
      } catch (err) {
        if (ac.signal.aborted) return;
        update({ ...s, status: "error", error: err instanceof Error ? err.message : String(err) });
      } finally {
        if (abortRef.current === ac) abortRef.current = null;
      }
    },
    [team, stop],
  );

  const cancel = useCallback(() => {
    stop();
    setState((s) =>
      s.status === "waiting" || s.status === "streaming" ? { ...s, status: "error", error: "stopped" } : s,
    );
  }, [stop]);

  return { state, run, cancel };
}
