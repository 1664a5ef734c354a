"use client";
/**
 * One evaluation: its header, then by state — queued or running: the progress through the examples, polled
 * until it ends; failed: the error; cancelled: a note; succeeded: the report. How it was measured on the side.
 */
import { TECHNIQUE_LABELS } from "@whetstone/core";
import { Ban, ChevronLeft, Hourglass, XCircle } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Alert, Button, Card, ConfirmDialog, EmptyState, PageHeader, Skeleton } from "@/components/ui";
import { formatRelative } from "@/lib/format";
import { errorInfo } from "@/lib/trpc";
import { EvaluationProgress, EvaluationStateBadge, isFinal } from "../_components/evaluation-status";
import { MeasuredCard } from "../_components/measured-card";
import { methodsOf } from "../_components/report";
import { ReportView } from "../_components/report-view";
import { useEvaluation, type Evaluation } from "../use-evaluation";

export function EvaluationPage({ team, evaluationId }: { team: string; evaluationId: string }) {
  const { evaluation, cancel } = useEvaluation(evaluationId);
  const [confirmCancel, setConfirmCancel] = useState(false);

  if (evaluation.error) {
    const info = errorInfo(evaluation.error);
    return (
      <Alert title={info.code === "NOT_FOUND" ? "Evaluation not found" : "Could not load the evaluation"}>
        {info.message}{" "}
        <Link className="underline" href={`/t/${team}/evaluations`}>
          Back to evaluations
        </Link>
      </Alert>
    );
  }
  const e = evaluation.data;

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href={`/t/${team}/evaluations`} className="inline-flex items-center gap-1 hover:text-zinc-800">
            <ChevronLeft className="size-3.5" aria-hidden /> Evaluations
          </Link>
        }
        title={e ? <span data-testid="evaluation-name">{e.name}</span> : <Skeleton className="h-7 w-72" />}
        description={
          e && (
            <span className="flex flex-wrap items-center gap-2">
              <EvaluationStateBadge state={e.state} />
              <span>
                {TECHNIQUE_LABELS[e.technique]} · {e.models.length} models · created {formatRelative(e.createdAt)}
              </span>
            </span>
          )
        }
        actions={
          e &&
          !isFinal(e.state) && (
            <Button variant="danger" onClick={() => setConfirmCancel(true)} data-testid="cancel-evaluation">
              <XCircle className="size-4" aria-hidden /> Cancel
            </Button>
          )
        }
      />
      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this evaluation?"
        description="The runner stops scoring; no report is written. The models and the training job are not touched."
        confirmLabel="Cancel evaluation"
        loading={cancel.isPending}
        onClose={() => setConfirmCancel(false)}
        onConfirm={() => {
          setConfirmCancel(false);
          cancel.mutate({ id: evaluationId });
        }}
      />
      {cancel.error && (
        <Alert className="mb-4" title="Could not cancel">
          {errorInfo(cancel.error).message}
        </Alert>
      )}

      {!e ? (
        <Skeleton className="h-40 w-full" />
      ) : (
        <div className="space-y-6">
          <Body e={e} />
          <div>
            <MeasuredCard
              team={team}
              evaluation={e}
              tasks={e.report?.tasks ?? e.summary?.tasks}
              bootstrap={e.report?.bootstrap ?? { resamples: e.settings.bootstrapResamples }}
              methods={methodsOf(e.report)}
            />
          </div>
        </div>
      )}
    </>
  );
}

function Body({ e }: { e: Evaluation }) {
  if (e.state === "failed") {
    return (
      <Alert title="The evaluation failed" testId="evaluation-error">
        <span className="font-mono text-xs whitespace-pre-wrap">{e.error ?? "no reason was given"}</span>
        <div className="mt-2 text-xs">The training job and its model are not affected.</div>
      </Alert>
    );
  }
  if (e.state === "cancelled") {
    return (
      <Card>
        <EmptyState
          icon={Ban}
          title="Cancelled"
          description="This evaluation was cancelled before it finished; there is no report."
          testId="evaluation-cancelled"
        />
      </Card>
    );
  }
  if (e.state !== "succeeded") {
    return (
      <Card className="px-5 py-5" data-testid="evaluation-pending">
        <div className="mb-4 flex items-center gap-2 text-sm font-medium text-zinc-800">
          <Hourglass className="size-4 text-accent-600" aria-hidden />
          {e.state === "running"
            ? `Scoring every model on the evaluation set${e.runnerName ? ` on ${e.runnerName}` : ""}`
            : "Queued for a runner"}
        </div>
        <EvaluationProgress state={e.state} examplesDone={e.examplesDone} examplesTotal={e.examplesTotal} />
        {e.error && <p className="mt-3 text-xs text-amber-700">Last error: {e.error}</p>}
        <p className="mt-4 text-xs text-zinc-500">This page updates by itself every 2 seconds.</p>
      </Card>
    );
  }
  if (!e.report) {
    return (
      <Alert tone="amber" title="The report cannot be read" testId="evaluation-report-error">
        {e.reportError ?? "The report file is missing."}
        {e.summary && <p className="mt-2">{e.summary.headline}</p>}
      </Alert>
    );
  }
  return <ReportView report={e.report} />;
}
