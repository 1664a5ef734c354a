"use client";
/**
 * The labelling page, keyboard first: the rows handed to the caller one at a time, each saved the moment it is
 * labelled (use-labelling), the keys in use-label-keys, a progress bar over the newest batch, and the key legend.
 * Viewers see the open rows read-only (the API refuses their labels).
 */
import { ChevronLeft } from "lucide-react";
import Link from "next/link";
import { PageHeader, Skeleton } from "@/components/ui";
import { useProject } from "../use-project";
import { KeyLegend } from "./key-legend";
import { LabellingSession } from "./labelling-session";
import { ReadOnlyRows } from "./read-only-rows";

export function LabellingView({ team, projectId }: { team: string; projectId: string }) {
  const { project, canWrite, role } = useProject(projectId);
  const p = project.data;
  const projectHref = `/t/${team}/active-learning/${projectId}`;
  return (
    <>
      <PageHeader
        eyebrow={
          <Link href={projectHref} className="inline-flex items-center gap-1 hover:text-zinc-800">
            <ChevronLeft className="size-3.5" aria-hidden /> {p?.name ?? "Project"}
          </Link>
        }
        title="Label"
        description={
          p?.task === "classification"
            ? "Pick the right label for each row. Every label is saved the moment you give it."
            : "Write or correct the answer for each prompt. Every answer is saved the moment you give it."
        }
      />
      {!p || !role ? (
        <Skeleton className="h-80 w-full" />
      ) : (
        <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_16rem]">
          <div className="min-w-0">
            {canWrite ? <LabellingSession project={p} projectHref={projectHref} /> : <ReadOnlyRows project={p} />}
          </div>
          <div className="lg:sticky lg:top-8 lg:self-start">
            <KeyLegend task={p.task} labels={p.labels.map((l) => l.name)} disabled={!canWrite} />
          </div>
        </div>
      )}
    </>
  );
}
