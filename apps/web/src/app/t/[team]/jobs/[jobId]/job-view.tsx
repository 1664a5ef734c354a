"use client";
/**
 * One job: header and alerts, progress and timeline, loss / accuracy charts, the live log, artifacts, and the
 * lineage, datasets and hyperparameters it ran with. The data and the live updates come from useJob.
 */
import Link from "next/link";
import { Alert, Card, CardBody, CardHeader, Skeleton } from "@/components/ui";
import { errorInfo } from "@/lib/trpc";
import { ArtifactsCard } from "./artifacts-card";
import { EvaluationCard } from "./evaluation-card";
import { DatasetsCard, LineageCard } from "./job-details";
import { JobAlerts, JobHeader } from "./job-header";
import { ProgressCard, Timeline } from "./job-summary";
import { HyperparametersCard } from "./hyperparameters-card";
import { LogPanel } from "./log-panel";
import { latestValue, MetricsSection } from "./metrics-section";
import { useJob } from "./use-job";

export function JobView({ team, jobId }: { team: string; jobId: string }) {
  const { job, series, events, live, cancel } = useJob(jobId);

  if (job.error) {
    const info = errorInfo(job.error);
    return (
      <Alert title={info.code === "NOT_FOUND" ? "Job not found" : "Could not load the job"}>
        {info.message}{" "}
        <Link className="underline" href={`/t/${team}/jobs`}>
          Back to jobs
        </Link>
      </Alert>
    );
  }
  const j = job.data;

  return (
    <>
      <JobHeader
        team={team}
        job={j}
        live={live}
        onCancel={() => cancel.mutate({ id: jobId })}
        cancelPending={cancel.isPending}
      />

      {j && (
        <ProgressCard job={j} eta={latestValue(series, "eta_seconds")} tps={latestValue(series, "tokens_per_second")} />
      )}
      <JobAlerts job={j} cancelError={cancel.error} />
      <EvaluationCard team={team} job={j} />

      <Card className="mt-6">
        <CardHeader title="Timeline" />
        <CardBody>{j ? <Timeline job={j} /> : <Skeleton className="h-12 w-full" />}</CardBody>
      </Card>

      <MetricsSection series={series} state={j?.state} />

      <div className="mt-6 grid gap-6 lg:grid-cols-[1fr_22rem]">
        <div className="min-w-0 space-y-6">
          <LogPanel events={events} live={live} />
          <ArtifactsCard job={j} jobId={jobId} />
        </div>
        <div className="space-y-6">
          <LineageCard job={j} team={team} />
          <DatasetsCard job={j} team={team} />
          <HyperparametersCard job={j} />
        </div>
      </div>
    </>
  );
}
