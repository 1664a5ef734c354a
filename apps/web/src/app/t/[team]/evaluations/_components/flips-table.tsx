"use client";
/**
 * Per-example flips of one task: examples the candidate got right and the reference wrong ("gained"), and the
 * reverse ("lost"); input, reference, and both outputs side by side, long text clamped with a toggle.
 */
import { ArrowDownRight, ArrowUpRight, ChevronDown, ChevronUp } from "lucide-react";
import { useState } from "react";
import { EmptyState, Table, TBody, TD, TH, THead, TR, cn } from "@/components/ui";
import { text, type FlipSide } from "./report";

type Side = "gained" | "lost";

export function FlipsTable({
  flips,
  baseLabel,
  candidateLabel,
}: {
  flips: { gained: FlipSide; lost: FlipSide };
  baseLabel: string;
  candidateLabel: string;
}) {
  const [side, setSide] = useState<Side>(flips.gained.count || !flips.lost.count ? "gained" : "lost");
  const current = flips[side];
  const hasInput = current.examples.some((e) => e.input != null);
  return (
    <div data-testid="flips" data-side={side}>
      <div className="flex flex-wrap items-center gap-1.5 px-5 pt-4" role="tablist">
        <Tab active={side === "gained"} onClick={() => setSide("gained")} testId="flips-tab-gained">
          <ArrowUpRight className="size-3.5 text-emerald-600" aria-hidden /> Gained
          <Count n={flips.gained.count} />
        </Tab>
        <Tab active={side === "lost"} onClick={() => setSide("lost")} testId="flips-tab-lost">
          <ArrowDownRight className="size-3.5 text-red-600" aria-hidden /> Lost
          <Count n={flips.lost.count} />
        </Tab>
        <span className="ml-auto text-xs text-zinc-500">
          {side === "gained"
            ? `${candidateLabel} right, ${baseLabel} wrong`
            : `${baseLabel} right, ${candidateLabel} wrong`}
          {current.count > current.examples.length && ` · showing ${current.examples.length} of ${current.count}`}
        </span>
      </div>
      {current.examples.length === 0 ? (
        <EmptyState
          icon={side === "gained" ? ArrowUpRight : ArrowDownRight}
          title={side === "gained" ? "No example gained" : "No example lost"}
          description={
            side === "gained"
              ? `No example that ${baseLabel} got wrong did ${candidateLabel} get right.`
              : `${candidateLabel} got right every example ${baseLabel} got right.`
          }
          testId="flips-empty"
          className="py-10"
        />
      ) : (
        <Table className="mt-3 table-fixed" data-testid="flips-table">
          <THead>
            <tr>
              <TH className="w-14">#</TH>
              {hasInput && <TH className="w-[32%]">Input</TH>}
              <TH>Reference</TH>
              <TH>
                <span className="block truncate" title={baseLabel}>
                  {baseLabel}
                </span>
              </TH>
              <TH>
                <span className="block truncate" title={candidateLabel}>
                  {candidateLabel}
                </span>
              </TH>
            </tr>
          </THead>
          <TBody>
            {current.examples.map((e, i) => (
              <TR key={`${side}-${text(e.index) || i}`} data-testid="flip-row" className="align-top">
                <TD className="tabular align-top text-xs text-zinc-400">{text(e.index)}</TD>
                {hasInput && (
                  <TD className="align-top">
                    <Clamp value={text(e.input)} />
                  </TD>
                )}
                <TD className="align-top">
                  <Clamp value={text(e.reference)} />
                </TD>
                <TD className={cn("align-top", side === "lost" && "bg-emerald-50/50")}>
                  <Clamp value={text(e.base)} />
                </TD>
                <TD className={cn("align-top", side === "gained" && "bg-emerald-50/50")}>
                  <Clamp value={text(e.candidate)} />
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      )}
    </div>
  );
}

function Tab(p: { active: boolean; onClick: () => void; testId: string; children: React.ReactNode }) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={p.active}
      onClick={p.onClick}
      data-testid={p.testId}
      className={cn(
        "inline-flex items-center gap-1.5 rounded-full px-3 py-1 text-[13px] font-medium transition-colors",
        p.active ? "bg-zinc-900 text-white" : "bg-white text-zinc-600 ring-1 ring-zinc-200 hover:bg-zinc-50",
      )}
    >
      {p.children}
    </button>
  );
}

const Count = ({ n }: { n: number }) => (
  <span className="tabular rounded-full bg-zinc-500/15 px-1.5 text-[11px]">{n.toLocaleString("en-US")}</span>
);

const CLAMP_AT = 140;

/** Text cut at a few lines, with a toggle when it is long. An empty output shows as such, not as a blank. */
function Clamp({ value }: { value: string }) {
  const [open, setOpen] = useState(false);
  if (!value.trim()) return <span className="text-xs text-zinc-400 italic">(empty)</span>;
  const long = value.length > CLAMP_AT || value.split("\n").length > 4;
  return (
    <div className="min-w-0">
      <div
        className={cn(
          "text-[13px] leading-relaxed break-words whitespace-pre-wrap text-zinc-800",
          !open && long && "line-clamp-4",
        )}
        data-testid="flip-text"
      >
        {value}
      </div>
      {long && (
        <button
          type="button"
          onClick={() => setOpen((o) => !o)}
          className="mt-1 inline-flex items-center gap-0.5 text-xs font-medium text-accent-700 hover:text-accent-800"
          data-testid="flip-expand"
        >
          {open ? (
            <>
              Less <ChevronUp className="size-3" aria-hidden />
            </>
          ) : (
            <>
              More <ChevronDown className="size-3" aria-hidden />
            </>
          )}
        </button>
      )}
    </div>
  );
}
