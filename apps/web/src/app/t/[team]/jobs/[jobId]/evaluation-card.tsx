"use client";
/**
 * A succeeded job's automatic evaluation (decision 0007): its state and progress while it runs, then its verdict
 * and the primary metric's delta with its interval, and a link to the report. A job trained with testSplit 0 has
 * none, and says so.
 */
import { useQuery } from "@tanstack/react-query";
import { ArrowRight, Scale } from "lucide-react";
import Link from "next/link";
import { Card, CardBody, CardHeader, EmptyState, Skeleton } from "@/components/ui";
import { useTRPC } from "@/lib/trpc";
import { EvaluationProgress, EvaluationStateBadge, isFinal } from "../../evaluations/_components/evaluation-status";
import { fmt, fmtCi, primaryRow, type ReportSummary } from "../../evaluations/_components/report";
import { summaryVerdict } from "../../evaluations/_components/summary-headline";
import { CiBar, Headline, VerdictBadge } from "../../evaluations/_components/verdict";
import { POLL_MS } from "../../evaluations/use-evaluation";
import type { Job } from "./use-job";

export function EvaluationCard({ team, job }: { team: string; job?: Job }) {
  const trpc = useTRPC();
  const succeeded = job?.state === "succeeded";
  const list = useQuery({
    ...trpc.evaluations.list.queryOptions({ jobId: job?.id ?? "", limit: 5 }),
    enabled: succeeded,
    refetchInterval: (q) => {
      const first = q.state.data?.items[0];
      if (first) return isFinal(first.state) ? false : POLL_MS;
      // None yet: the worker creates it with the job's success; a job without a test split never gets one.
      return job?.hyperparameters.testSplit === 0 ? false : POLL_MS * 2;
    },
  });
  if (!job || !succeeded) return null;
  const e = list.data?.items[0];
  const testSplit = job.hyperparameters.testSplit;

  return (
    <Card className="mt-6" data-testid="evaluation-card">
      <CardHeader
        title="Evaluation"
        description="The fine-tuned model against its base on the held-out test split."
        action={
          e && (
            <Link
              href={`/t/${team}/evaluations/${e.id}`}
              className="inline-flex items-center gap-1 text-[13px] font-medium text-accent-700 hover:text-accent-800"
              data-testid="evaluation-report-link"
            >
              {e.state === "succeeded" ? "Full report" : "Open"} <ArrowRight className="size-3.5" aria-hidden />
            </Link>
          )
        }
      />
      {list.isLoading ? (
        <CardBody>
          <Skeleton className="h-16 w-full" />
        </CardBody>
      ) : !e ? (
        <EmptyState
          icon={Scale}
          title={testSplit === 0 ? "No evaluation (test split 0)" : "No evaluation yet"}
          description={
            testSplit === 0
              ? "This job held out no test split, so it was not evaluated automatically. You can evaluate its model on a dataset of your own."
              : "The evaluation starts when the job's success is recorded."
          }
          action={
            <Link
              href={`/t/${team}/evaluations/new${job.producedModel ? `?model=${job.producedModel.id}` : ""}`}
              className="text-[13px] font-medium text-accent-700 hover:text-accent-800"
            >
              New evaluation
            </Link>
          }
          testId="evaluation-card-empty"
          className="py-8"
        />
      ) : (
        <CardBody className="space-y-3">
          <div className="flex flex-wrap items-center gap-2 text-[13px] text-zinc-500">
            <EvaluationStateBadge state={e.state} />
            <span>
              {e.models
                .slice(1)
                .map((m) => m.label)
                .join(", ")}{" "}
              vs {e.models[0]?.label}
            </span>
          </div>
          {(e.state === "queued" || e.state === "running") && (
            <EvaluationProgress state={e.state} examplesDone={e.examplesDone} examplesTotal={e.examplesTotal} />
          )}
          {e.state === "failed" && (
            <p className="text-[13px] text-red-700" data-testid="evaluation-card-error">
              {e.error ?? "The evaluation failed."} The model itself is fine.
            </p>
          )}
          {e.state === "succeeded" && e.summary && <Verdict summary={e.summary} />}
        </CardBody>
      )}
    </Card>
  );
}

function Verdict({ summary }: { summary: ReportSummary }) {
  const comparison = summary.comparisons[0];
  const task = summary.tasks[0];
  const row = comparison && task ? primaryRow(comparison.metrics, task) : null;
  return (
    <>
      <Headline text={summary.headline} verdict={summaryVerdict(summary)} size="sm" />
      {row && (
        <div className="flex flex-wrap items-center gap-x-4 gap-y-2 text-[13px]" data-testid="evaluation-card-primary">
          <span className="font-medium text-zinc-700">{row.label}</span>
          <span className="tabular text-zinc-500">
            {fmt(row.base)} → <span className="font-semibold text-zinc-900">{fmt(row.candidate)}</span>
          </span>
          <span className="tabular font-medium">{fmt(row.delta, true)}</span>
          <CiBar row={row} />
          <span className="tabular text-xs text-zinc-500">CI {fmtCi(row)}</span>
          <VerdictBadge verdict={row.verdict} />
        </div>
      )}
    </>
  );
}
