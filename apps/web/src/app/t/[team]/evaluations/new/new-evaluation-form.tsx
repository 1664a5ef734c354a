"use client";
/**
 * A new evaluation: the reference model, the models compared with it, the dataset versions whose every row is
 * scored, and the technique (derived from the models unless chosen). Errors from the API show at their field.
 */
import { useQuery } from "@tanstack/react-query";
import { TECHNIQUE_LABELS, TECHNIQUES, type Technique } from "@whetstone/core";
import { ChevronLeft, Plus, Scale, Trash2 } from "lucide-react";
import Link from "next/link";
import {
  Alert,
  Button,
  ButtonLink,
  Card,
  CardBody,
  CardHeader,
  EmptyState,
  Field,
  Input,
  PageHeader,
  Select,
  Skeleton,
} from "@/components/ui";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { MAX_MODELS, useNewEvaluation, type DatasetEntry } from "./use-new-evaluation";

type Model = RouterOutputs["baseModels"]["list"][number];
type DatasetItem = RouterOutputs["datasets"]["list"][number];

export function NewEvaluationForm({ team }: { team: string }) {
  const f = useNewEvaluation(team);
  const models = f.models.data ?? [];
  const usable = (f.datasets.data ?? []).filter((d) => d.latestVersion);
  const back = (
    <Link href={`/t/${team}/evaluations`} className="inline-flex items-center gap-1 hover:text-zinc-800">
      <ChevronLeft className="size-3.5" aria-hidden /> Evaluations
    </Link>
  );

  if (f.models.isLoading || f.datasets.isLoading) {
    return (
      <>
        <PageHeader eyebrow={back} title="New evaluation" />
        <Skeleton className="h-64 w-full max-w-3xl" />
      </>
    );
  }
  if (!usable.length) {
    return (
      <>
        <PageHeader eyebrow={back} title="New evaluation" />
        <Card className="max-w-3xl">
          <EmptyState
            icon={Scale}
            title="No dataset to evaluate on"
            description="Upload a dataset first: an evaluation scores every row of the dataset versions you pick."
            action={<ButtonLink href={`/t/${team}/datasets`}>Upload a dataset</ButtonLink>}
          />
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        eyebrow={back}
        title="New evaluation"
        description="Score models on the same examples and compare each with a reference, with confidence intervals."
      />
      <form
        className="max-w-3xl space-y-6"
        data-testid="new-evaluation-form"
        onSubmit={(e) => {
          e.preventDefault();
          f.submit();
        }}
      >
        <Card>
          <CardHeader
            title="Models"
            description="The reference first (usually the base a fine-tune started from); every other model is compared with it."
          />
          <CardBody className="space-y-3">
            {f.modelIds.map((id, i) => (
              <div key={i} className="flex items-end gap-2" data-testid="evaluation-model-row">
                <Field
                  className="flex-1"
                  label={i === 0 ? "Reference" : `Compared model ${i}`}
                  htmlFor={`model-${i}`}
                  error={f.errors[`models.${i}.modelId`] ?? (i === 0 ? f.errors.models : undefined)}
                >
                  <ModelSelect
                    id={`model-${i}`}
                    value={id}
                    models={models}
                    invalid={!!f.errors[`models.${i}.modelId`]}
                    onChange={(v) => f.setModel(i, v)}
                  />
                </Field>
                {i >= 2 && (
                  <Button
                    type="button"
                    variant="ghost"
                    aria-label="Remove model"
                    onClick={() => f.removeModel(i)}
                    className="mb-0.5"
                  >
                    <Trash2 className="size-4" aria-hidden />
                  </Button>
                )}
              </div>
            ))}
            <Button
              type="button"
              variant="secondary"
              size="sm"
              onClick={f.addModel}
              disabled={f.modelIds.length >= MAX_MODELS}
              data-testid="add-evaluation-model"
            >
              <Plus className="size-4" aria-hidden /> Add a model
            </Button>
          </CardBody>
        </Card>

        <Card>
          <CardHeader title="Evaluation set" description="Every row of these dataset versions is scored." />
          <CardBody className="space-y-3">
            {f.entries.map((entry, i) => (
              <DatasetRow
                key={entry.key}
                index={i}
                entry={entry}
                datasets={usable}
                error={f.errors[`datasetVersionIds.${i}`] ?? (i === 0 ? f.errors.datasetVersionIds : undefined)}
                onChange={(e) => f.setEntry(i, e)}
                onRemove={f.entries.length > 1 ? () => f.removeEntry(i) : undefined}
              />
            ))}
            <Button type="button" variant="secondary" size="sm" onClick={f.addEntry}>
              <Plus className="size-4" aria-hidden /> Add a dataset
            </Button>
          </CardBody>
        </Card>

        <Card>
          <CardBody className="grid gap-4 sm:grid-cols-2">
            <Field
              label="Technique"
              htmlFor="evaluation-technique"
              hint="What is measured. By default, the technique the compared model was trained with."
              error={f.errors.technique}
            >
              <Select
                id="evaluation-technique"
                value={f.technique}
                onChange={(e) => f.setTechnique(e.target.value as Technique | "")}
                invalid={!!f.errors.technique}
                data-testid="evaluation-technique"
              >
                <option value="">From the models</option>
                {TECHNIQUES.map((t) => (
                  <option key={t} value={t}>
                    {TECHNIQUE_LABELS[t]}
                  </option>
                ))}
              </Select>
            </Field>
            <Field
              label="Name"
              htmlFor="evaluation-name"
              hint="Optional; by default “… vs reference”."
              error={f.errors.name}
            >
              <Input
                id="evaluation-name"
                value={f.name}
                onChange={(e) => f.setName(e.target.value)}
                placeholder="e.g. support-lora vs SmolLM2"
                data-testid="evaluation-name-input"
              />
            </Field>
          </CardBody>
        </Card>

        {f.errors.form && (
          <Alert title="Could not start the evaluation" testId="evaluation-create-error">
            {f.errors.form}
          </Alert>
        )}
        <div className="flex justify-end">
          <Button type="submit" loading={f.pending} data-testid="create-evaluation-submit">
            <Scale className="size-4" aria-hidden /> Start evaluation
          </Button>
        </div>
      </form>
    </>
  );
}

function ModelSelect(p: {
  id: string;
  value: string;
  models: Model[];
  invalid: boolean;
  onChange: (v: string) => void;
}) {
  const base = p.models.filter((m) => m.source !== "artifact");
  const tuned = p.models.filter((m) => m.source === "artifact");
  return (
    <Select
      id={p.id}
      value={p.value}
      invalid={p.invalid}
      onChange={(e) => p.onChange(e.target.value)}
      data-testid="evaluation-model-select"
    >
      <option value="">Choose a model…</option>
      {tuned.length > 0 && (
        <optgroup label="Fine-tuned">
          {tuned.map((m) => (
            <option key={m.id} value={m.id}>
              {m.name}
              {m.parent ? ` (from ${m.parent.name})` : ""}
            </option>
          ))}
        </optgroup>
      )}
      <optgroup label="Base models">
        {base.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </optgroup>
    </Select>
  );
}

function DatasetRow(p: {
  index: number;
  entry: DatasetEntry;
  datasets: DatasetItem[];
  error?: string;
  onChange: (e: DatasetEntry) => void;
  onRemove?: () => void;
}) {
  const trpc = useTRPC();
  const { entry } = p;
  const detail = useQuery({ ...trpc.datasets.get.queryOptions({ id: entry.datasetId }), enabled: !!entry.datasetId });
  const versions = [...(detail.data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const latest = p.datasets.find((d) => d.id === entry.datasetId)?.latestVersion;
  return (
    <div className="flex items-start gap-3" data-testid="evaluation-dataset-row">
      <Field
        className="min-w-0 flex-1"
        label={p.index === 0 ? "Dataset" : `Dataset ${p.index + 1}`}
        htmlFor={`eds-${entry.key}`}
        error={p.error}
      >
        <Select
          id={`eds-${entry.key}`}
          value={entry.datasetId}
          invalid={!!p.error}
          data-testid="evaluation-dataset-select"
          onChange={(e) => {
            const d = p.datasets.find((x) => x.id === e.target.value);
            if (d?.latestVersion) p.onChange({ ...entry, datasetId: d.id, datasetVersionId: d.latestVersion.id });
          }}
        >
          {p.datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.name} ({d.latestVersion?.format})
            </option>
          ))}
        </Select>
      </Field>
      <Field className="w-40" label="Version" htmlFor={`ev-${entry.key}`}>
        <Select
          id={`ev-${entry.key}`}
          value={entry.datasetVersionId}
          onChange={(e) => p.onChange({ ...entry, datasetVersionId: e.target.value })}
          data-testid="evaluation-version-select"
        >
          {versions.length
            ? versions.map((v) => (
                <option key={v.id} value={v.id}>
                  v{v.version} · {v.rowCount} rows
                </option>
              ))
            : latest && <option value={latest.id}>v{latest.version}</option>}
        </Select>
      </Field>
      {p.onRemove && (
        <Button type="button" variant="ghost" aria-label="Remove dataset" onClick={p.onRemove} className="mt-6">
          <Trash2 className="size-4" aria-hidden />
        </Button>
      )}
    </div>
  );
}
