"use client";
/**
 * The job form: datasets with weights (multi-task), technique (filtered by the chosen datasets' formats), base
 * model (including earlier jobs' artifacts → transfer learning), method, hyperparameters. Validated in the
 * browser with the same jobSpecSchema the API uses; errors appear next to their field. The state lives in
 * useJobForm; each numbered card is a section of its own.
 */
import { ChevronLeft, Database } from "lucide-react";
import Link from "next/link";
import { ButtonLink, Card, EmptyState, PageHeader } from "@/components/ui";
import { BaseModelSection } from "./base-model-section";
import { DatasetMixSection } from "./dataset-mix-section";
import { HyperparametersSection } from "./hyperparameters-section";
import { JobEstimate } from "./job-estimate";
import { ReadinessSummary } from "./readiness-summary";
import { SummaryCard } from "./summary-card";
import { MethodSection, TechniqueSection } from "./technique-section";
import { useJobForm } from "./use-job-form";

export function NewJobForm({ team }: { team: string }) {
  const form = useJobForm(team);

  if (form.datasets.data && form.datasets.data.length === 0) {
    return (
      <>
        <Header team={team} />
        <Card>
          <EmptyState
            icon={Database}
            title="Upload a dataset first"
            description="A fine-tune trains on one or more of your datasets."
            action={<ButtonLink href={`/t/${team}/datasets`}>Upload a dataset</ButtonLink>}
          />
        </Card>
      </>
    );
  }

  return (
    <form
      data-testid="new-job-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        form.submit();
      }}
    >
      <Header team={team} />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="space-y-6">
          <DatasetMixSection form={form} />
          <TechniqueSection form={form} />
          <BaseModelSection form={form} team={team} />
          <MethodSection form={form} />
          <HyperparametersSection form={form} />
        </div>
        <div className="space-y-4 lg:sticky lg:top-8 lg:self-start">
          <SummaryCard form={form} />
          <ReadinessSummary form={form} team={team} />
          <JobEstimate
            spec={form.spec()}
            checkpointing={form.checkpointing}
            onCheckpointingChange={form.setCheckpointing}
          />
        </div>
      </div>
    </form>
  );
}

function Header({ team }: { team: string }) {
  return (
    <PageHeader
      eyebrow={
        <Link href={`/t/${team}/jobs`} className="inline-flex items-center gap-1 hover:text-zinc-800">
          <ChevronLeft className="size-3.5" aria-hidden /> Jobs
        </Link>
      }
      title="New fine-tune"
      description="Turn a general model into your domain expert."
    />
  );
}
