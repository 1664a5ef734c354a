"use client";
/**
 * Readiness of a dataset version (and of a job's data): the verdict with its one line, and each check with its
 * severity, count, what to do, and examples by line number (personal data masked by the API).
 */
import type { ReadinessCheck, ReadinessExample, ReadinessVerdict } from "@whetstone/core";
import { READINESS_VERDICT_LABELS } from "@whetstone/core";
import { AlertOctagon, AlertTriangle, CheckCircle2, ChevronDown, Info } from "lucide-react";
import { useState } from "react";
import { Badge, cn } from "@/components/ui";
import { formatNumber } from "@/lib/format";

export function VerdictBadge({
  verdict,
  className,
}: {
  verdict: ReadinessVerdict | null | undefined;
  className?: string;
}) {
  if (!verdict) return <Badge className={className}>not checked</Badge>;
  const tone = verdict === "ready" ? "green" : verdict === "blocked" ? "red" : "amber";
  return (
    <Badge tone={tone} className={className} data-testid="verdict-badge" data-verdict={verdict}>
      {READINESS_VERDICT_LABELS[verdict]}
    </Badge>
  );
}

const SEVERITY_ICON = {
  ok: <CheckCircle2 className="size-4 text-emerald-600" aria-label="passed" />,
  info: <Info className="size-4 text-sky-600" aria-label="information" />,
  warning: <AlertTriangle className="size-4 text-amber-600" aria-label="warning" />,
  blocker: <AlertOctagon className="size-4 text-red-600" aria-label="blocker" />,
} as const;

function ExampleLine({ e }: { e: ReadinessExample }) {
  return (
    <li className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 py-1 text-[13px]" data-testid="readiness-example">
      {e.line !== undefined && (
        <span className="font-mono text-xs text-zinc-500" data-testid="readiness-example-line">
          line {e.line}
        </span>
      )}
      {e.otherLine !== undefined && (
        <span className="text-xs text-zinc-500">
          ≈ line {e.otherLine}
          {e.otherDataset ? ` of ${e.otherDataset}` : ""}
          {e.similarity !== undefined && e.similarity < 1 ? ` (${Math.round(e.similarity * 100)}%)` : ""}
        </span>
      )}
      {e.kind && <Badge className="font-mono">{e.kind}</Badge>}
      {e.field && <span className="font-mono text-xs text-zinc-400">{e.field}</span>}
      {e.value && (
        <code
          className="rounded bg-zinc-100 px-1.5 font-mono text-xs text-zinc-800"
          data-testid="readiness-masked-value"
        >
          {e.value}
        </code>
      )}
      {e.labels && (
        <span className="text-xs">
          {e.labels.map((l, i) => (
            <Badge key={i} tone="violet" className="mr-1">
              {l}
            </Badge>
          ))}
        </span>
      )}
      {e.text && <span className="min-w-0 truncate text-zinc-600">{e.text}</span>}
    </li>
  );
}

export function CheckRow({ check }: { check: ReadinessCheck }) {
  const [open, setOpen] = useState(check.severity === "blocker");
  const canOpen = check.examples.length > 0 || !!check.action;
  return (
    <li
      className="border-b border-zinc-100 last:border-0"
      data-testid="readiness-check"
      data-check={check.id}
      data-severity={check.severity}
    >
      <button
        type="button"
        className={cn("flex w-full items-start gap-3 px-5 py-3 text-left", canOpen && "hover:bg-zinc-50")}
        onClick={() => canOpen && setOpen((o) => !o)}
        aria-expanded={open}
      >
        <span className="mt-0.5">{SEVERITY_ICON[check.severity]}</span>
        <span className="min-w-0 flex-1">
          <span className="flex items-center gap-2 text-sm font-medium text-zinc-900">
            {check.title}
            {check.count > 0 && check.severity !== "ok" && (
              <Badge tone={check.severity === "blocker" ? "red" : check.severity === "warning" ? "amber" : "blue"}>
                {formatNumber(check.count)}
              </Badge>
            )}
            {check.estimate && <Badge>estimate</Badge>}
          </span>
          <span className="mt-0.5 block text-[13px] text-zinc-600">{check.summary}</span>
        </span>
        {canOpen && (
          <ChevronDown
            className={cn("mt-1 size-4 shrink-0 text-zinc-400 transition", open && "rotate-180")}
            aria-hidden
          />
        )}
      </button>
      {open && canOpen && (
        <div className="px-5 pb-3 pl-12">
          {check.action && (
            <p className="text-[13px] text-zinc-700" data-testid="readiness-action">
              <span className="font-medium">What to do: </span>
              {check.action}
            </p>
          )}
          {check.examples.length > 0 && (
            <ul className="mt-2 divide-y divide-zinc-50">
              {check.examples.map((e, i) => (
                <ExampleLine key={i} e={e} />
              ))}
            </ul>
          )}
        </div>
      )}
    </li>
  );
}

/** Checks sorted worst first; passed checks folded behind a toggle. */
export function CheckList({ checks }: { checks: ReadinessCheck[] }) {
  const rank = { blocker: 0, warning: 1, info: 2, ok: 3 } as const;
  const sorted = [...checks].sort((a, b) => rank[a.severity] - rank[b.severity]);
  const problems = sorted.filter((c) => c.severity !== "ok");
  const passed = sorted.filter((c) => c.severity === "ok");
  const [showPassed, setShowPassed] = useState(false);
  return (
    <ul>
      {problems.map((c) => (
        <CheckRow key={`${c.id}-${String(c.details?.dataset ?? "")}`} check={c} />
      ))}
      {passed.length > 0 && (
        <li className="px-5 py-2">
          <button
            type="button"
            className="text-[13px] text-zinc-500 hover:text-zinc-800"
            onClick={() => setShowPassed((s) => !s)}
            data-testid="readiness-show-passed"
          >
            {showPassed ? "Hide" : "Show"} {passed.length} passed check{passed.length > 1 ? "s" : ""}
          </button>
        </li>
      )}
      {showPassed && passed.map((c) => <CheckRow key={`${c.id}-${String(c.details?.dataset ?? "")}`} check={c} />)}
    </ul>
  );
}
