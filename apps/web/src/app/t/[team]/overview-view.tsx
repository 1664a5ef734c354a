"use client";
import { useQuery } from "@tanstack/react-query";
import { ArrowRight, Boxes, CheckCircle2, Database, FlaskConical, Plus, Upload, Zap } from "lucide-react";
import Link from "next/link";
import { JobsTable } from "@/components/jobs-table";
import { ButtonLink, Card, CardHeader, EmptyState, PageHeader, Skeleton, Stat } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

export function OverviewView({ team }: { team: string }) {
  const trpc = useTRPC();
  const current = useQuery(trpc.teams.current.queryOptions());
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  const jobs = useQuery({ ...trpc.jobs.list.queryOptions({ limit: 8 }), refetchInterval: 10_000 });
  const models = useQuery(trpc.baseModels.list.queryOptions());

  const jobItems = jobs.data?.items ?? [];
  const active = jobItems.filter((j) =>
    ["validating_files", "pending_quota", "queued", "running"].includes(j.state),
  ).length;
  const succeeded = jobItems.filter((j) => j.state === "succeeded").length;
  const fineTuned = models.data?.filter((m) => m.source === "artifact").length ?? 0;
  const noDatasets = datasets.data?.length === 0;

  return (
    <>
      <PageHeader
        title={current.data ? current.data.name : <Skeleton className="h-7 w-48" />}
        description="What your team is training, and what to do next."
        actions={
          <>
            <ButtonLink href={`/t/${team}/datasets`} variant="secondary">
              <Upload className="size-4" aria-hidden /> Upload data
            </ButtonLink>
            <ButtonLink href={`/t/${team}/jobs/new`} data-testid="new-job-button">
              <Plus className="size-4" aria-hidden /> New fine-tune
            </ButtonLink>
          </>
        }
      />

      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat
          label="Datasets"
          icon={<Database className="size-4" />}
          value={
            datasets.data ? (
              <span data-testid="datasets-count">{formatNumber(datasets.data.length)}</span>
            ) : (
              <Skeleton className="h-7 w-10" />
            )
          }
          hint={
            datasets.data
              ? `${formatNumber(datasets.data.reduce((s, d) => s + (d.latestVersion?.rowCount ?? 0), 0))} rows in latest versions`
              : undefined
          }
        />
        <Stat
          label="Active jobs"
          icon={<Zap className="size-4" />}
          value={jobs.data ? <span data-testid="active-jobs-count">{active}</span> : <Skeleton className="h-7 w-10" />}
          hint="validating, queued or running"
        />
        <Stat
          label="Succeeded"
          icon={<CheckCircle2 className="size-4" />}
          value={jobs.data ? succeeded : <Skeleton className="h-7 w-10" />}
          hint="among recent jobs"
        />
        <Stat
          label="Fine-tuned models"
          icon={<Boxes className="size-4" />}
          value={models.data ? fineTuned : <Skeleton className="h-7 w-10" />}
          hint={models.data ? `${models.data.length - fineTuned} base models available` : undefined}
        />
      </div>

      {noDatasets ? (
        <Card className="mt-6">
          <EmptyState
            icon={Database}
            title="Upload your first dataset"
            description="Everything starts with data: chat transcripts, prompt/completion pairs, raw domain text or labelled examples, as JSONL, CSV or TSV."
            action={
              <ButtonLink href={`/t/${team}/datasets`} data-testid="empty-upload-cta">
                <Upload className="size-4" aria-hidden /> Upload your first dataset
              </ButtonLink>
            }
          />
        </Card>
      ) : (
        <Card className="mt-6">
          <CardHeader
            title="Recent jobs"
            action={
              <Link
                href={`/t/${team}/jobs`}
                className="inline-flex items-center gap-1 text-[13px] font-medium text-accent-600 hover:text-accent-700"
              >
                All jobs <ArrowRight className="size-3.5" aria-hidden />
              </Link>
            }
          />
          <JobsTable
            team={team}
            jobs={jobs.data?.items}
            loading={jobs.isLoading}
            skeleton={{ rows: 3, cols: 5 }}
            empty={
              <EmptyState
                icon={FlaskConical}
                title="No fine-tuning jobs yet"
                description="Your data is ready. Pick a base model and a technique, and start your first run."
                action={
                  <ButtonLink href={`/t/${team}/jobs/new`} data-testid="empty-new-job-cta">
                    <Plus className="size-4" aria-hidden /> Start a fine-tune
                  </ButtonLink>
                }
              />
            }
          />
        </Card>
      )}
    </>
  );
}
