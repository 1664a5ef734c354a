"use client";
/** The team's active-learning projects, newest first; an empty state that says what the loop buys. */
import { useQuery } from "@tanstack/react-query";
import { Plus, Target } from "lucide-react";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Alert, Badge, ButtonLink, Card, EmptyState, PageHeader, TD, TR } from "@/components/ui";
import { formatNumber, formatRelative } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { strategyLabel, TASK_LABELS } from "./_components/strategies";

const COLUMNS = [
  { label: "Project" },
  { label: "Task" },
  { label: "Strategy" },
  { label: "Rounds", className: "text-right" },
  { label: "Labelled", className: "text-right" },
  { label: "Created" },
];

export function ProjectsView({ team }: { team: string }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.activeLearning.listProjects.queryOptions());
  const newButton = (
    <ButtonLink href={`/t/${team}/active-learning/new`} data-testid="new-al-project">
      <Plus className="size-4" aria-hidden /> New project
    </ButtonLink>
  );
  return (
    <>
      <PageHeader
        title="Active learning"
        description="Label only the rows the model learns most from: it picks, your team labels, it retrains, and the curve shows what each label bought."
        actions={list.data?.items.length ? newButton : undefined}
      />
      {list.error && (
        <Alert className="mb-4" title="Could not load projects">
          {errorInfo(list.error).message}
        </Alert>
      )}
      <Card>
        <DataTable
          loading={list.isLoading}
          rows={list.data?.items}
          skeleton={{ rows: 3, cols: 6 }}
          testId="al-projects-table"
          columns={COLUMNS}
          row={(p) => (
            <TR key={p.id} data-testid="al-project-row" data-project-id={p.id}>
              <TD className="max-w-[18rem]">
                <Link
                  href={`/t/${team}/active-learning/${p.id}`}
                  className="block truncate font-medium text-zinc-900 hover:text-accent-700"
                >
                  {p.name}
                </Link>
                <div className="truncate text-xs text-zinc-500">on {p.baseModel.name}</div>
              </TD>
              <TD>
                <Badge tone={p.task === "classification" ? "violet" : "blue"}>{TASK_LABELS[p.task]}</Badge>
              </TD>
              <TD className="text-zinc-600">{strategyLabel(p.strategy)}</TD>
              <TD className="tabular text-right">{formatNumber(p.rounds)}</TD>
              <TD className="tabular text-right">
                {formatNumber(p.labelled)}
                <span className="text-zinc-400"> / {formatNumber(p.picked)}</span>
              </TD>
              <TD className="whitespace-nowrap text-zinc-500">{formatRelative(p.createdAt)}</TD>
            </TR>
          )}
          empty={
            <EmptyState
              icon={Target}
              title="Label less, learn more"
              description={
                <>
                  Labelling is the expensive part. Point a project at your unlabelled rows: the model hands your team
                  the rows it is least sure about, retrains on every label, and plots its held-out score against the
                  number of labels — so you see what each batch bought and when to stop. A simulation on labelled data
                  tells you first whether it beats random sampling.
                </>
              }
              action={newButton}
            />
          }
        />
      </Card>
    </>
  );
}
