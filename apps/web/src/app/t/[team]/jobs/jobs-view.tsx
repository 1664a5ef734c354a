"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { JOB_STATES, type JobState } from "@whetstone/core";
import { ChevronLeft, ChevronRight, FlaskConical, Plus } from "lucide-react";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { JobsTable } from "@/components/jobs-table";
import { Alert, Button, ButtonLink, Card, EmptyState, PageHeader, STATE_LABELS, cn } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";

const PAGE_SIZE = 20;

export function JobsView({ team }: { team: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const search = useSearchParams();
  const stateParam = search.get("state");
  const state =
    stateParam && (JOB_STATES as readonly string[]).includes(stateParam) ? (stateParam as JobState) : undefined;
  // Cursor stack: cursors[i] is the cursor of page i (undefined for the first page).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const page = cursors.length - 1;
  const jobs = useQuery({
    ...trpc.jobs.list.queryOptions({ limit: PAGE_SIZE, state, cursor: cursors[page] }),
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });

  const setFilter = (s: JobState | undefined) => {
    setCursors([undefined]);
    router.replace(s ? `/t/${team}/jobs?state=${s}` : `/t/${team}/jobs`);
  };

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Every fine-tuning run of your team, newest first."
        actions={
          <ButtonLink href={`/t/${team}/jobs/new`} data-testid="new-job-button">
            <Plus className="size-4" aria-hidden /> New fine-tune
          </ButtonLink>
        }
      />
      <div className="mb-4 flex flex-wrap gap-1.5" data-testid="job-state-filter" role="tablist">
        {[undefined, ...JOB_STATES].map((s) => (
          <button
            key={s ?? "all"}
            type="button"
            role="tab"
            aria-selected={state === s}
            data-testid={`job-filter-${s ?? "all"}`}
            onClick={() => setFilter(s)}
            className={cn(
              "rounded-full px-3 py-1 text-[13px] font-medium transition-colors",
              state === s ? "bg-zinc-900 text-white" : "bg-white text-zinc-600 ring-1 ring-zinc-200 hover:bg-zinc-50",
            )}
          >
            {s ? STATE_LABELS[s] : "All"}
          </button>
        ))}
      </div>
      {jobs.error && (
        <Alert className="mb-4" title="Could not load jobs">
          {errorInfo(jobs.error).message}
        </Alert>
      )}
      <Card>
        <JobsTable
          team={team}
          jobs={jobs.data?.items}
          loading={jobs.isLoading}
          skeleton={{ rows: 6, cols: 6 }}
          empty={
            <EmptyState
              icon={FlaskConical}
              title={state ? `No ${STATE_LABELS[state].toLowerCase()} jobs` : "No jobs yet"}
              description={
                state ? "Try another filter." : "Start a fine-tune: pick datasets, a base model and a technique."
              }
              action={
                !state && (
                  <ButtonLink href={`/t/${team}/jobs/new`}>
                    <Plus className="size-4" aria-hidden /> New fine-tune
                  </ButtonLink>
                )
              }
            />
          }
          footer={
            <div className="flex items-center justify-between border-t border-zinc-100 px-5 py-3 text-[13px] text-zinc-500">
              <span data-testid="jobs-page">Page {page + 1}</span>
              <div className="flex gap-2">
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={page === 0}
                  onClick={() => setCursors((c) => c.slice(0, -1))}
                  data-testid="jobs-prev"
                >
                  <ChevronLeft className="size-4" aria-hidden /> Newer
                </Button>
                <Button
                  variant="secondary"
                  size="sm"
                  disabled={!jobs.data?.nextCursor}
                  onClick={() => jobs.data?.nextCursor && setCursors((c) => [...c, jobs.data!.nextCursor!])}
                  data-testid="jobs-next"
                >
                  Older <ChevronRight className="size-4" aria-hidden />
                </Button>
              </div>
            </div>
          }
        />
      </Card>
    </>
  );
}
