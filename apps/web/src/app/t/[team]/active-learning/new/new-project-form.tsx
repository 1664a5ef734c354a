"use client";
/**
 * A new active-learning project: what is labelled (classification with its label set, or generation), the base
 * model, the unlabelled pool, the fixed held-out set and an optional seed, and how the loop runs.
 */
import type { ActiveLearningTask } from "@whetstone/queue";
import { ChevronLeft, Target } from "lucide-react";
import Link from "next/link";
import { Alert, Button, Card, CardBody, CardHeader, Field, Input, PageHeader, Select, Skeleton } from "@/components/ui";
import { FieldError, OptionCard } from "../../jobs/new/option-card";
import { TASK_HELP, TASK_LABELS } from "../_components/strategies";
import { DatasetSelect } from "./dataset-select";
import { LabelSetEditor } from "./label-set-editor";
import { LoopSettingsCard } from "./loop-settings-card";
import { labelledFormats, useProjectForm } from "./use-project-form";

export function NewProjectForm({ team }: { team: string }) {
  const f = useProjectForm(team);
  const back = (
    <Link href={`/t/${team}/active-learning`} className="inline-flex items-center gap-1 hover:text-zinc-800">
      <ChevronLeft className="size-3.5" aria-hidden /> Active learning
    </Link>
  );
  if (f.models.isLoading || f.datasets.isLoading) {
    return (
      <>
        <PageHeader eyebrow={back} title="New project" />
        <Skeleton className="h-96 w-full max-w-4xl" />
      </>
    );
  }
  const datasets = f.datasets.data ?? [];
  const models = f.models.data ?? [];
  const formats = labelledFormats(f.task);
  const datasetsLink = (
    <Link href={`/t/${team}/datasets`} className="font-medium text-accent-700 underline-offset-2 hover:underline">
      Datasets
    </Link>
  );

  return (
    <>
      <PageHeader
        eyebrow={back}
        title="New active-learning project"
        description="The model picks the rows worth labelling, your team labels them, and every round retrains and is scored on a fixed held-out set."
      />
      <form
        className="max-w-4xl space-y-6"
        data-testid="new-al-project-form"
        onSubmit={(e) => {
          e.preventDefault();
          f.submit();
        }}
      >
        <Card>
          <CardHeader title="What is labelled" />
          <CardBody className="space-y-5">
            <Field label="Name" htmlFor="al-name" error={f.errors.name} errorTestId="error-name">
              <Input
                id="al-name"
                value={f.name}
                invalid={!!f.errors.name}
                onChange={(e) => f.setName(e.target.value)}
                placeholder="e.g. Support ticket routing"
                data-testid="al-name"
              />
            </Field>
            <div>
              <div className="mb-1.5 text-[13px] font-medium text-zinc-700">Task</div>
              <div className="grid gap-2 sm:grid-cols-2" data-testid="task-options">
                {(["classification", "sft"] as ActiveLearningTask[]).map((t) => (
                  <OptionCard
                    key={t}
                    name="task"
                    value={t}
                    checked={f.task === t}
                    onSelect={() => f.setTask(t)}
                    title={TASK_LABELS[t]}
                    body={TASK_HELP[t]}
                  />
                ))}
              </div>
              <FieldError error={f.errors.task ?? null} className="mt-1.5" />
            </div>
            {f.task === "classification" && <LabelSetEditor f={f} />}
          </CardBody>
        </Card>

        <Card>
          <CardHeader
            title="Model and data"
            description="The held-out set never enters training or selection: every round is scored on the same rows."
          />
          <CardBody className="grid gap-4 sm:grid-cols-2">
            <Field
              label="Base model"
              htmlFor="al-base-model"
              error={f.errors.baseModelId}
              errorTestId="error-baseModelId"
            >
              <Select
                id="al-base-model"
                value={f.baseModelId}
                invalid={!!f.errors.baseModelId}
                onChange={(e) => f.setBaseModelId(e.target.value)}
                data-testid="al-base-model"
              >
                {models.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                    {m.source === "artifact" ? " (fine-tuned)" : ""}
                  </option>
                ))}
              </Select>
            </Field>
            <DatasetSelect
              id="poolVersionId"
              label="Unlabelled pool"
              datasets={datasets}
              formats={["text"]}
              value={f.poolVersionId}
              onChange={f.setPool}
              error={f.errors.poolVersionId}
              hint={
                <>
                  Format <code>text</code>: one <code>{'{"text": "…"}'}</code> per JSONL line (or a CSV with a{" "}
                  <code>text</code> column), no label. Upload it on {datasetsLink}.
                </>
              }
            />
            <DatasetSelect
              id="heldOutVersionId"
              label="Held-out set"
              datasets={datasets}
              formats={formats}
              value={f.heldOutVersionId}
              onChange={f.setHeldOut}
              error={f.errors.heldOutVersionId}
              hint={`Labelled rows (${formats.join(", ")}) the curve is measured on. A few hundred is plenty.`}
            />
            <DatasetSelect
              id="seedVersionId"
              label="Seed (optional)"
              optional="No seed: start from the base model"
              datasets={datasets}
              formats={formats}
              exclude={f.heldOutVersionId ? [f.heldOutVersionId] : undefined}
              value={f.seedVersionId}
              onChange={f.setSeed}
              error={f.errors.seedVersionId}
              hint="Rows you have already labelled: the first round trains on them."
            />
          </CardBody>
        </Card>

        <LoopSettingsCard f={f} />

        {f.errors.form && (
          <Alert title="Could not create the project" testId="al-create-error">
            {f.errors.form}
          </Alert>
        )}
        <div className="flex justify-end">
          <Button type="submit" loading={f.pending} data-testid="create-al-project">
            <Target className="size-4" aria-hidden /> Create project
          </Button>
        </div>
      </form>
    </>
  );
}
