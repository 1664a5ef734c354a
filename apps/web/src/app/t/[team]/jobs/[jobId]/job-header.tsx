import { canCancel, METHOD_LABELS, TECHNIQUE_LABELS } from "@whetstone/core";
import { ChevronLeft, MessagesSquare, Radio, XCircle } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Alert, Button, ButtonLink, ConfirmDialog, PageHeader, Skeleton, StateBadge, cn } from "@/components/ui";
import { errorInfo } from "@/lib/trpc";
import { PauseResumeButton } from "./pause-resume-button";
import type { Job } from "./use-job";
import type { LiveStatus } from "./use-job-live";

/** The job's name, state and setup, whether the page is live, and the cancel button with its confirmation. */
export function JobHeader({
  team,
  job: j,
  live,
  onCancel,
  cancelPending,
}: {
  team: string;
  job?: Job;
  live: LiveStatus;
  onCancel: () => void;
  cancelPending: boolean;
}) {
  const [confirmCancel, setConfirmCancel] = useState(false);
  return (
    <>
      <PageHeader
        eyebrow={
          <Link href={`/t/${team}/jobs`} className="inline-flex items-center gap-1 hover:text-zinc-800">
            <ChevronLeft className="size-3.5" aria-hidden /> Jobs
          </Link>
        }
        title={j ? <span data-testid="job-name">{j.name}</span> : <Skeleton className="h-7 w-72" />}
        description={
          j && (
            <span className="flex flex-wrap items-center gap-2">
              <StateBadge state={j.state} cancelling={j.cancelling} />
              <span>
                {TECHNIQUE_LABELS[j.technique]} · {METHOD_LABELS[j.method]} · on {j.baseModel.name}
              </span>
              <LiveIndicator status={live} />
            </span>
          )
        }
        actions={
          j &&
          (canCancel(j.state) ? (
            <span className="flex items-center gap-2">
              <PauseResumeButton job={j} />
              <Button
                variant="danger"
                onClick={() => setConfirmCancel(true)}
                disabled={j.cancelling}
                data-testid="cancel-job"
              >
                <XCircle className="size-4" aria-hidden /> {j.cancelling ? "Cancelling…" : "Cancel job"}
              </Button>
            </span>
          ) : (
            j.state === "succeeded" &&
            j.producedModel && (
              <ButtonLink
                href={`/t/${team}/playground?model=${j.producedModel.id}`}
                variant="secondary"
                data-testid="try-in-playground"
              >
                <MessagesSquare className="size-4" aria-hidden /> Try in playground
              </ButtonLink>
            )
          ))
        }
      />
      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this job?"
        description={
          j?.state === "running"
            ? "The runner stops training now. Checkpoints written so far are kept; no final model is produced."
            : "The job will not run."
        }
        confirmLabel="Cancel job"
        loading={cancelPending}
        onClose={() => setConfirmCancel(false)}
        onConfirm={() => {
          setConfirmCancel(false);
          onCancel();
        }}
      />
    </>
  );
}

/** Why the job failed or waits, and a failed cancel. */
export function JobAlerts({ job: j, cancelError }: { job?: Job; cancelError: unknown }) {
  return (
    <>
      {j?.state === "failed" && j.error && (
        <Alert className="mt-4" title="The job failed" testId="job-error">
          <span className="font-mono text-xs whitespace-pre-wrap">{j.error}</span>
        </Alert>
      )}
      {j?.state === "pending_quota" && j.pendingReason && (
        <Alert tone="amber" className="mt-4" title="Waiting for GPU quota" testId="pending-reason">
          {j.pendingReason}. It starts by itself when the team has a free GPU — when one of its jobs ends or an admin
          raises the quota.
        </Alert>
      )}
      {cancelError != null && (
        <Alert className="mt-4" title="Could not cancel">
          {errorInfo(cancelError).message}
        </Alert>
      )}
    </>
  );
}

function LiveIndicator({ status }: { status: LiveStatus }) {
  if (status === "off") return null;
  const map = {
    live: { label: "Live", cls: "text-emerald-600" },
    connecting: { label: "Connecting…", cls: "text-zinc-400" },
    polling: { label: "Refreshing every few seconds", cls: "text-amber-600" },
  } as const;
  const s = map[status];
  return (
    <span
      className={cn("inline-flex items-center gap-1 text-xs font-medium", s.cls)}
      data-testid="live-status"
      data-status={status}
    >
      <Radio className="size-3.5" aria-hidden /> {s.label}
    </span>
  );
}
