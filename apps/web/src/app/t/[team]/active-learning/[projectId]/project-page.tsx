"use client";
/**
 * One active-learning project: what to do next, the curve (held-out metric against labels), the label counts, the
 * rounds, conflicts to settle, a simulation, and labels in and out. Polled while work is in flight (use-project).
 */
import { useMutation } from "@tanstack/react-query";
import { ChevronLeft, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, Badge, Button, Card, CardHeader, ConfirmDialog, PageHeader, Skeleton } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { strategyLabel, TASK_LABELS, type Project } from "../_components/strategies";
import { ConflictsCard } from "./conflicts-card";
import { CurveCard } from "./curve-card";
import { LabelsIoCard } from "./labels-io-card";
import { NextStepCard } from "./next-step-card";
import { RoundsTable } from "./rounds-table";
import { SimulationCard } from "./simulation-card";
import { useProject } from "./use-project";

export function ProjectPage({ team, projectId }: { team: string; projectId: string }) {
  const { project, canWrite, refresh } = useProject(projectId);
  const trpc = useTRPC();
  const router = useRouter();
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useMutation(
    trpc.activeLearning.deleteProject.mutationOptions({ onSuccess: () => router.push(`/t/${team}/active-learning`) }),
  );
  const back = (
    <Link href={`/t/${team}/active-learning`} className="inline-flex items-center gap-1 hover:text-zinc-800">
      <ChevronLeft className="size-3.5" aria-hidden /> Active learning
    </Link>
  );
  if (project.error) {
    const info = errorInfo(project.error);
    return (
      <>
        <PageHeader eyebrow={back} title="Project" />
        <Alert title={info.code === "NOT_FOUND" ? "Project not found" : "Could not load the project"}>
          {info.message}
        </Alert>
      </>
    );
  }
  const p = project.data;
  return (
    <>
      <PageHeader
        eyebrow={back}
        title={p ? <span data-testid="al-project-name">{p.name}</span> : <Skeleton className="h-7 w-72" />}
        description={
          p && (
            <span className="flex flex-wrap items-center gap-2">
              <Badge tone={p.task === "classification" ? "violet" : "blue"}>{TASK_LABELS[p.task]}</Badge>
              <span>
                {strategyLabel(p.strategy)} · {p.batchSize} rows a batch · on {p.baseModel.name} · pool {p.pool.name} (
                {formatNumber(p.pool.rows)} rows)
              </span>
            </span>
          )
        }
        actions={
          p &&
          canWrite && (
            <Button variant="ghost" onClick={() => setConfirmDelete(true)} data-testid="delete-al-project">
              <Trash2 className="size-4" aria-hidden /> Delete
            </Button>
          )
        }
      />
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this project?"
        description="Its rounds, picks and labels go; its datasets (pool, held-out, the labels dataset) and trained models stay."
        confirmLabel="Delete project"
        loading={remove.isPending}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate({ projectId })}
      />
      {remove.error && (
        <Alert className="mb-4" title="Could not delete">
          {errorInfo(remove.error).message}
        </Alert>
      )}
      {!p ? (
        <Skeleton className="h-96 w-full" />
      ) : (
        <div className="space-y-6">
          <NextStepCard project={p} team={team} canWrite={canWrite} onChange={refresh} />
          <div className="grid gap-6 lg:grid-cols-3">
            <div className="lg:col-span-2">
              <CurveCard project={p} />
            </div>
            <CountsCard project={p} />
          </div>
          <ConflictsCard project={p} canWrite={canWrite} onChange={refresh} />
          <RoundsTable project={p} team={team} />
          <div className="grid gap-6 lg:grid-cols-2">
            {p.task === "classification" && <SimulationCard project={p} canWrite={canWrite} onChange={refresh} />}
            <LabelsIoCard project={p} canWrite={canWrite} onChange={refresh} />
          </div>
        </div>
      )}
    </>
  );
}

const COUNTS = [
  { key: "pending", label: "Waiting", hint: "picked, not handed out", dot: "bg-zinc-300" },
  { key: "assigned", label: "Handed out", hint: "with a labeller now", dot: "bg-sky-500" },
  { key: "labelled", label: "Labelled", hint: "agreed", dot: "bg-emerald-500" },
  { key: "skipped", label: "Skipped", hint: "left out of training", dot: "bg-zinc-400" },
  { key: "conflict", label: "Conflicts", hint: "labellers disagree", dot: "bg-amber-500" },
] as const;

function CountsCard({ project: p }: { project: Project }) {
  return (
    <Card data-testid="al-counts">
      <CardHeader
        title="Labels"
        description={`${formatNumber(p.counts.picked)} of ${formatNumber(p.pool.rows)} pool rows picked${p.seed ? ` · seed of ${p.seed.rows}` : ""}`}
      />
      <ul className="divide-y divide-zinc-100">
        {COUNTS.map((c) => (
          <li key={c.key} className="flex items-center gap-3 px-5 py-2.5" data-testid={`count-${c.key}`}>
            <span className={`size-2 rounded-full ${c.dot}`} aria-hidden />
            <span className="flex-1 text-sm text-zinc-700">
              {c.label} <span className="text-xs text-zinc-400">{c.hint}</span>
            </span>
            <span className="tabular text-sm font-semibold text-zinc-900" data-testid="count-value">
              {formatNumber(p.counts[c.key])}
            </span>
          </li>
        ))}
      </ul>
    </Card>
  );
}
