"use client";
import { AlertTriangle, Clock, Gauge, Hash } from "lucide-react";
import { Badge, Card, cn } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import type { GenerationState } from "./use-generation";

/** One model's answer: the text as it streams, a typing indicator until the first token, stats when done. */
export function GenerationPane({
  side,
  role,
  modelName,
  state,
}: {
  side: "a" | "b";
  role: string;
  modelName: string | null;
  state: GenerationState;
}) {
  const busy = state.status === "waiting" || state.status === "streaming";
  return (
    <Card className="flex min-h-72 flex-col" data-testid="generation-pane" data-side={side} data-status={state.status}>
      <div className="flex items-center justify-between gap-3 border-b border-zinc-100 px-5 py-3">
        <div className="min-w-0">
          <div className="text-[11px] font-semibold tracking-wide text-zinc-400 uppercase">{role}</div>
          <div className="truncate text-sm font-semibold text-zinc-900" data-testid="pane-model">
            {modelName ?? "—"}
          </div>
        </div>
        <StatusBadge state={state} />
      </div>
      <div className="flex-1 px-5 py-4">
        {state.status === "idle" && (
          <p className="text-sm text-zinc-400">The answer appears here as the model writes it.</p>
        )}
        {state.status === "waiting" && (
          <div className="flex items-center gap-2 text-sm text-zinc-500" data-testid="pane-typing" role="status">
            <TypingDots />
            Waiting for the first token…
          </div>
        )}
        {state.text && (
          <p className="text-[15px] leading-relaxed whitespace-pre-wrap text-zinc-800" data-testid="pane-text">
            {state.text}
            {state.status === "streaming" && (
              <span className="ml-0.5 inline-block h-4 w-1.5 translate-y-0.5 animate-pulse bg-accent-500" aria-hidden />
            )}
          </p>
        )}
        {state.probs && <Probabilities probs={state.probs} />}
        {state.status === "done" && !state.text && !state.probs && (
          <p className="text-sm text-zinc-400 italic">The model answered with no text.</p>
        )}
        {state.status === "error" && state.error && (
          <div
            className="mt-3 flex gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
            data-testid="pane-error"
            role="alert"
          >
            <AlertTriangle className="mt-0.5 size-4 shrink-0" aria-hidden />
            <span>{state.error}</span>
          </div>
        )}
      </div>
      <div
        className={cn(
          "flex flex-wrap items-center gap-x-4 gap-y-1 border-t border-zinc-100 px-5 py-2.5 text-xs text-zinc-500",
          !busy && state.status !== "done" && "invisible",
        )}
        data-testid="pane-stats"
      >
        <span className="inline-flex items-center gap-1" title="time to first token">
          <Clock className="size-3.5 text-zinc-400" aria-hidden />
          TTFT{" "}
          <Stat
            testId="pane-ttft"
            value={state.ttftMs == null ? null : `${formatNumber(Math.round(state.ttftMs))} ms`}
          />
        </span>
        <span className="inline-flex items-center gap-1">
          <Gauge className="size-3.5 text-zinc-400" aria-hidden />
          <Stat
            testId="pane-tps"
            value={state.tokensPerSecond == null ? null : `${state.tokensPerSecond.toFixed(1)} tokens/s`}
          />
        </span>
        <span className="inline-flex items-center gap-1">
          <Hash className="size-3.5 text-zinc-400" aria-hidden />
          <Stat
            testId="pane-tokens"
            value={state.completionTokens == null ? null : `${state.completionTokens} tokens`}
          />
        </span>
        {state.finishReason === "length" && <Badge tone="amber">stopped at max new tokens</Badge>}
        {state.finishReason === "cancelled" && <Badge tone="amber">stopped</Badge>}
        {state.runner && <span className="ml-auto font-mono text-[11px] text-zinc-400">on {state.runner}</span>}
      </div>
    </Card>
  );
}

function Stat({ value, testId }: { value: string | null; testId: string }) {
  return (
    <span className="tabular font-medium text-zinc-700" data-testid={value ? testId : undefined}>
      {value ?? "…"}
    </span>
  );
}

function StatusBadge({ state }: { state: GenerationState }) {
  switch (state.status) {
    case "waiting":
      return <Badge tone="blue">waiting</Badge>;
    case "streaming":
      return <Badge tone="accent">generating</Badge>;
    case "done":
      return <Badge tone="green">done</Badge>;
    case "error":
      return <Badge tone="red">error</Badge>;
    default:
      return null;
  }
}

function TypingDots() {
  return (
    <span className="inline-flex gap-1" aria-hidden>
      {[0, 150, 300].map((d) => (
        <span
          key={d}
          className="size-1.5 animate-bounce rounded-full bg-accent-500"
          style={{ animationDelay: `${d}ms` }}
        />
      ))}
    </span>
  );
}

/** A classification model's label probabilities, highest first, as bars. */
function Probabilities({ probs }: { probs: Record<string, number> }) {
  const rows = Object.entries(probs).sort((a, b) => b[1] - a[1]);
  return (
    <div className="mt-3 space-y-2" data-testid="pane-probs">
      {rows.map(([label, p], i) => (
        <div key={label} data-testid="pane-prob-row" data-label={label}>
          <div className="mb-1 flex justify-between text-xs">
            <span className={cn("font-medium", i === 0 ? "text-zinc-900" : "text-zinc-600")}>{label}</span>
            <span className="tabular text-zinc-500">{(p * 100).toFixed(1)}%</span>
          </div>
          <div className="h-2 overflow-hidden rounded-full bg-zinc-100">
            <div
              className={cn("h-full rounded-full", i === 0 ? "bg-accent-500" : "bg-zinc-300")}
              style={{ width: `${Math.max(0.5, p * 100)}%` }}
            />
          </div>
        </div>
      ))}
    </div>
  );
}
