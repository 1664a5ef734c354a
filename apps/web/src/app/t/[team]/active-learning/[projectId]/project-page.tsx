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
import { Alert, Badge, Button, ConfirmDialog, PageHeader, Skeleton } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { strategyLabel, TASK_LABELS } from "../_components/strategies";
import { ConflictsCard } from "./conflicts-card";
import { CountsCard } from "./counts-card";
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
