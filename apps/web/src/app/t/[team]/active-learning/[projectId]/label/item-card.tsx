"use client";
/**
 * One handed-out row: its text, why it was picked (the strategy's reason and score), and the choices — for
 * classification every label with its key and the model's probability (its guess marked as the Enter suggestion),
 * for generation the model's answer in an editable field.
 */
import { Check, CircleAlert, Loader2, Sparkles } from "lucide-react";
import { forwardRef } from "react";
import { Badge, Card, cn, Textarea } from "@/components/ui";
import type { Project } from "../../_components/strategies";
import type { Item, Outcome } from "./use-labelling";

type Prediction = { label: string; confidence: number; probabilities: Record<string, number> } | { answer: string };

export function readPrediction(p: unknown): Prediction | null {
  if (!p || typeof p !== "object") return null;
  const o = p as Record<string, unknown>;
  if (typeof o.label === "string")
    return {
      label: o.label,
      confidence: typeof o.confidence === "number" ? o.confidence : 0,
      probabilities: (o.probabilities as Record<string, number>) ?? {},
    };
  return typeof o.answer === "string" ? { answer: o.answer } : null;
}

export function ItemHeader({ item, outcome }: { item: Item; outcome?: Outcome }) {
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-zinc-100 px-5 py-3 text-xs text-zinc-500">
      <span className="font-medium text-zinc-700">Pool row {item.poolRow}</span>
      <span>· rank {item.rank} in its batch</span>
      <span className="ml-auto">
        <OutcomeBadge outcome={outcome} />
      </span>
    </div>
  );
}

function OutcomeBadge({ outcome: o }: { outcome?: Outcome }) {
  if (!o) return null;
  const what = o.kind === "skip" ? "Skipped" : o.value && o.value.length > 40 ? "Answered" : `Labelled ${o.value}`;
  if (o.status === "error")
    return (
      <Badge tone="red" data-testid="item-outcome" data-status="error">
        <CircleAlert className="size-3" aria-hidden /> Not saved
      </Badge>
    );
  return (
    <Badge tone={o.kind === "skip" ? "neutral" : "green"} data-testid="item-outcome" data-status={o.status}>
      {o.status === "saving" ? (
        <Loader2 className="size-3 animate-spin" aria-hidden />
      ) : (
        <Check className="size-3" aria-hidden />
      )}
      {what}
    </Badge>
  );
}

export function ItemText({ item }: { item: Item }) {
  return (
    <div className="px-5 pt-4">
      <p
        className="max-h-72 overflow-y-auto text-[15px] leading-relaxed whitespace-pre-wrap text-zinc-900"
        data-testid="item-text"
      >
        {item.text}
      </p>
      <p className="mt-3 flex items-start gap-1.5 text-xs text-zinc-500" data-testid="item-reason">
        <Sparkles className="mt-0.5 size-3.5 shrink-0 text-accent-500" aria-hidden />
        <span>
          <span className="font-medium text-zinc-600">Why this row:</span> {item.reason}{" "}
          <span className="tabular text-zinc-400">· score {item.score.toPrecision(3)}</span>
        </span>
      </p>
    </div>
  );
}

export function LabelChoices(p: {
  project: Project;
  prediction: Prediction | null;
  chosen?: string;
  disabled: boolean;
  onPick: (name: string) => void;
}) {
  const guess = p.prediction && "label" in p.prediction ? p.prediction : null;
  return (
    <div className="grid gap-1.5 px-5 py-4 sm:grid-cols-2" data-testid="label-choices">
      {p.project.labels.map((l, i) => {
        const prob = guess?.probabilities[l.name];
        const suggested = guess?.label === l.name;
        return (
          <button
            key={l.name}
            type="button"
            disabled={p.disabled}
            onClick={() => p.onPick(l.name)}
            data-testid="label-choice"
            data-label={l.name}
            className={cn(
              "group relative flex items-start gap-3 overflow-hidden rounded-lg border px-3 py-2 text-left transition-colors disabled:cursor-not-allowed disabled:opacity-60",
              p.chosen === l.name
                ? "border-emerald-400 bg-emerald-50 ring-1 ring-emerald-400"
                : suggested
                  ? "border-accent-300 bg-accent-50/40 hover:bg-accent-50"
                  : "border-zinc-200 hover:border-zinc-300 hover:bg-zinc-50",
            )}
          >
            <kbd className="mt-0.5 flex size-6 shrink-0 items-center justify-center rounded-md border border-zinc-200 bg-white font-mono text-xs text-zinc-600 shadow-[0_1px_0_rgba(0,0,0,0.06)]">
              {i < 9 ? i + 1 : "·"}
            </kbd>
            <span className="min-w-0 flex-1">
              <span className="flex items-center gap-2 text-sm font-medium text-zinc-900">
                {l.name}
                {suggested && (
                  <span
                    className="rounded bg-accent-100 px-1.5 text-[11px] font-medium text-accent-700"
                    data-testid="suggested"
                  >
                    model · Enter
                  </span>
                )}
              </span>
              {l.description && <span className="block truncate text-xs text-zinc-500">{l.description}</span>}
              {prob != null && (
                <span
                  className="mt-1.5 flex items-center gap-2"
                  title={`The model gives it ${(prob * 100).toFixed(1)}%`}
                >
                  <span className="h-1.5 flex-1 overflow-hidden rounded-full bg-zinc-100">
                    <span
                      className={cn("block h-full rounded-full", suggested ? "bg-accent-500" : "bg-zinc-400")}
                      style={{ width: `${Math.max(2, prob * 100)}%` }}
                    />
                  </span>
                  <span className="tabular w-10 text-right text-[11px] text-zinc-500">{Math.round(prob * 100)}%</span>
                </span>
              )}
            </span>
          </button>
        );
      })}
    </div>
  );
}

export const AnswerEditor = forwardRef<
  HTMLTextAreaElement,
  { value: string; onChange: (v: string) => void; disabled: boolean; suggested: string | null }
>(function AnswerEditor(p, ref) {
  return (
    <div className="px-5 py-4">
      <label
        htmlFor="answer"
        className="mb-1.5 flex items-center justify-between text-[13px] font-medium text-zinc-700"
      >
        The answer it should give
        {p.suggested != null && p.value !== p.suggested && (
          <button
            type="button"
            className="text-xs font-normal text-accent-700 hover:underline"
            onClick={() => p.onChange(p.suggested!)}
          >
            Reset to the model&apos;s answer
          </button>
        )}
      </label>
      <Textarea
        ref={ref}
        id="answer"
        rows={6}
        value={p.value}
        disabled={p.disabled}
        onChange={(e) => p.onChange(e.target.value)}
        data-testid="answer-editor"
        className="font-[inherit] leading-relaxed"
      />
      <p className="mt-1.5 text-xs text-zinc-500">
        Prefilled with the model&apos;s answer. <kbd className="font-mono">E</kbd> to edit,{" "}
        <kbd className="font-mono">Ctrl/⌘ Enter</kbd> to submit, <kbd className="font-mono">Esc</kbd> to leave the
        field.
      </p>
    </div>
  );
});

export function ItemShell({ children }: { children: React.ReactNode }) {
  return <Card data-testid="label-item">{children}</Card>;
}
