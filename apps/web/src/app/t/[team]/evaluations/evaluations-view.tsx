"use client";
/** The team's evaluations, newest first: what was compared on what, its state and its verdict. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { TECHNIQUE_LABELS } from "@whetstone/core";
import { ChevronLeft, ChevronRight, Plus, Scale } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import { Alert, Button, ButtonLink, Card, EmptyState, PageHeader, TD, TR } from "@/components/ui";
import { formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { EvaluationProgress, EvaluationStateBadge, isFinal } from "./_components/evaluation-status";
import { SummaryHeadline } from "./_components/summary-headline";
import { POLL_MS, type EvaluationListItem } from "./use-evaluation";

const PAGE_SIZE = 20;

const COLUMNS = [
  { label: "Evaluation" },
  { label: "Models" },
  { label: "Evaluation set" },
  { label: "State", className: "w-40" },
  { label: "Verdict" },
  { label: "Created" },
];

export function EvaluationsView({ team }: { team: string }) {
  const trpc = useTRPC();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const list = useQuery({
    ...trpc.evaluations.list.queryOptions({ limit: PAGE_SIZE, cursor: cursors[page] }),
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some((e) => !isFinal(e.state)) ? POLL_MS : 15_000),
  });

  return (
    <>
      <PageHeader
        title="Evaluations"
        description="Fine-tuned models measured against the model they started from, on examples they never trained on."
        actions={
          <ButtonLink href={`/t/${team}/evaluations/new`} data-testid="new-evaluation-button">
            <Plus className="size-4" aria-hidden /> New evaluation
          </ButtonLink>
        }
      />
      {list.error && (
        <Alert className="mb-4" title="Could not load evaluations">
          {errorInfo(list.error).message}
        </Alert>
      )}
      <Card>
        <DataTable
          loading={list.isLoading}
          rows={list.data?.items}
          skeleton={{ rows: 5, cols: 6 }}
          testId="evaluations-table"
          columns={COLUMNS}
          row={(e) => <EvaluationRow key={e.id} team={team} e={e} />}
          empty={
            <EmptyState
              icon={Scale}
              title="No evaluations yet"
              description="Every fine-tune that succeeds is evaluated against its base on its held-out test split. You can also compare any models on a dataset of your own."
              action={
                <ButtonLink href={`/t/${team}/evaluations/new`}>
                  <Plus className="size-4" aria-hidden /> New evaluation
                </ButtonLink>
              }
            />
          }
          footer={
            (page > 0 || list.data?.nextCursor) && (
              <div className="flex items-center justify-between border-t border-zinc-100 px-5 py-3 text-[13px] text-zinc-500">
                <span>Page {page + 1}</span>
                <div className="flex gap-2">
                  <Button
                    variant="secondary"
                    size="sm"
                    disabled={page === 0}
                    onClick={() => setCursors((c) => c.slice(0, -1))}
                  >
                    <ChevronLeft className="size-4" aria-hidden /> Newer
                  </Button>
                  <Button
                    variant="secondary"
                    size="sm"
                    disabled={!list.data?.nextCursor}
                    onClick={() => list.data?.nextCursor && setCursors((c) => [...c, list.data!.nextCursor!])}
                  >
                    Older <ChevronRight className="size-4" aria-hidden />
                  </Button>
                </div>
              </div>
            )
          }
        />
      </Card>
    </>
  );
}

function EvaluationRow({ team, e }: { team: string; e: EvaluationListItem }) {
  const [reference, ...others] = e.models;
  return (
    <TR data-testid="evaluation-row" data-evaluation-id={e.id}>
      <TD className="max-w-[16rem]">
        <Link
          href={`/t/${team}/evaluations/${e.id}`}
          className="block truncate font-medium text-zinc-900 hover:text-accent-700"
          title={e.name}
        >
          {e.name}
        </Link>
        <div className="text-xs text-zinc-500">
          {TECHNIQUE_LABELS[e.technique]}
          {e.sourceJob && " · after training"}
        </div>
      </TD>
      <TD className="max-w-[14rem]">
        <div className="truncate text-zinc-900" title={others.map((m) => m.label).join(", ")}>
          {others.map((m) => m.label).join(", ")}
        </div>
        <div className="truncate text-xs text-zinc-500">vs {reference?.label ?? "—"}</div>
      </TD>
      <TD className="max-w-[14rem]">
        <div className="truncate">{e.datasets.map((d) => `${d.datasetName} v${d.version}`).join(", ")}</div>
        <div className="text-xs text-zinc-500">
          {e.splitKind === "test" ? `test split ${Math.round(e.splitFraction * 100)}%` : "every row"}
        </div>
      </TD>
      <TD>
        <EvaluationStateBadge state={e.state} />
        {(e.state === "running" || e.state === "queued") && (
          <div className="mt-1.5 w-28">
            <EvaluationProgress compact state={e.state} examplesDone={e.examplesDone} examplesTotal={e.examplesTotal} />
          </div>
        )}
      </TD>
      <TD className="max-w-[26rem] text-[13px] leading-snug">
        {e.summary ? (
          <span className="line-clamp-2" title={e.summary.headline}>
            <SummaryHeadline summary={e.summary} />
          </span>
        ) : (
          <span className="text-zinc-400">{e.state === "failed" ? "failed" : "—"}</span>
        )}
      </TD>
      <TD className="whitespace-nowrap text-zinc-500">{formatRelative(e.createdAt)}</TD>
    </TR>
  );
}
