import { useQuery } from "@tanstack/react-query";
import { Plus, Trash2 } from "lucide-react";
import { useEffect } from "react";
import { FormatBadge } from "@/components/format-badge";
import { Button, Card, CardBody, CardHeader, Field, Input, Select, Skeleton } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { FieldError } from "./option-card";
import type { DatasetItem, JobForm, MixEntry } from "./use-job-form";

/** 1 · Data: one dataset, or several mixed by weight (multi-task learning). */
export function DatasetMixSection({ form }: { form: JobForm }) {
  const { datasets, mix, err } = form;
  const totalWeight = mix.reduce((s, e) => s + (Number(e.weight) || 0), 0);
  return (
    <Card>
      <CardHeader title="1 · Data" description="One dataset, or several mixed by weight (multi-task learning)." />
      <CardBody className="space-y-3">
        {datasets.isLoading && <Skeleton className="h-10 w-full" />}
        {mix.map((entry, i) => (
          <MixRow
            key={entry.key}
            index={i}
            entry={entry}
            datasets={datasets.data ?? []}
            totalWeight={totalWeight}
            multi={mix.length > 1}
            error={err(`datasets.${i}.datasetVersionId`) ?? err(`datasets.${i}.weight`) ?? err(`datasets.${i}`)}
            onFormat={form.noteFormat}
            onChange={form.updateEntry}
            onRemove={() => form.removeEntry(entry.key)}
          />
        ))}
        <FieldError error={err("datasets")} />
        <Button
          type="button"
          variant="secondary"
          size="sm"
          data-testid="add-dataset"
          disabled={!datasets.data?.length || mix.length >= 16}
          onClick={form.addDataset}
        >
          <Plus className="size-4" aria-hidden /> Add a dataset
        </Button>
        <ValidationSetPicker form={form} />
      </CardBody>
    </Card>
  );
}

/** An explicit validation set (its latest version): validated on in full instead of a share of the training data. */
function ValidationSetPicker({ form }: { form: JobForm }) {
  const { datasets, mix, validationVersionId, setValidationVersionId, err } = form;
  const inMix = new Set(mix.map((e) => e.datasetId));
  const choices = (datasets.data ?? []).filter((d) => d.latestVersion && !inMix.has(d.id));
  const error = err("validationDatasetVersionId");
  return (
    <Field
      label="Validation set (optional)"
      htmlFor="validation-set"
      error={error}
      hint="Validated on in full — loss, early stopping, best checkpoint. None: a share of the training data is held out."
    >
      <Select
        id="validation-set"
        value={validationVersionId}
        data-testid="validation-set-select"
        invalid={!!error}
        onChange={(e) => setValidationVersionId(e.target.value)}
      >
        <option value="">None — hold out part of the training data</option>
        {choices.map((d) => (
          <option key={d.id} value={d.latestVersion!.id}>
            {d.name} v{d.latestVersion!.version} · {d.latestVersion!.format} · {formatNumber(d.latestVersion!.rowCount)}{" "}
            rows
          </option>
        ))}
      </Select>
    </Field>
  );
}

/** One dataset of the mix: which dataset, which version, its weight and its share of the samples. */
function MixRow({
  index,
  entry,
  datasets,
  totalWeight,
  multi,
  error,
  onChange,
  onRemove,
  onFormat,
}: {
  index: number;
  entry: MixEntry;
  datasets: DatasetItem[];
  totalWeight: number;
  multi: boolean;
  error: string | null;
  onChange: (e: MixEntry) => void;
  onRemove: () => void;
  onFormat: (versionId: string, format: string) => void;
}) {
  const trpc = useTRPC();
  const detail = useQuery({ ...trpc.datasets.get.queryOptions({ id: entry.datasetId }), enabled: !!entry.datasetId });
  const versions = [...(detail.data?.versions ?? [])].sort((a, b) => b.version - a.version);
  const current =
    versions.find((v) => v.id === entry.datasetVersionId) ??
    datasets.find((d) => d.id === entry.datasetId)?.latestVersion;
  useEffect(() => {
    if (current) onFormat(current.id, current.format);
  }, [current, onFormat]);
  const share = totalWeight > 0 ? (Number(entry.weight) || 0) / totalWeight : 0;
  return (
    <div className="rounded-xl border border-zinc-200 p-3" data-testid="dataset-mix-row">
      <div className="grid items-end gap-3 sm:grid-cols-[1fr_7rem_6rem_auto]">
        <Field label={index === 0 ? "Dataset" : `Dataset ${index + 1}`} htmlFor={`ds-${entry.key}`}>
          <Select
            id={`ds-${entry.key}`}
            value={entry.datasetId}
            data-testid="dataset-select"
            invalid={!!error}
            onChange={(e) => {
              const d = datasets.find((x) => x.id === e.target.value);
              if (d?.latestVersion) onChange({ ...entry, datasetId: d.id, datasetVersionId: d.latestVersion.id });
            }}
          >
            {datasets
              .filter((d) => d.latestVersion)
              .map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
          </Select>
        </Field>
        <Field label="Version" htmlFor={`v-${entry.key}`}>
          <Select
            id={`v-${entry.key}`}
            value={entry.datasetVersionId}
            onChange={(e) => onChange({ ...entry, datasetVersionId: e.target.value })}
            data-testid="dataset-version-select"
          >
            {versions.length
              ? versions.map((v) => (
                  <option key={v.id} value={v.id}>
                    v{v.version}
                  </option>
                ))
              : current && <option value={current.id}>v{current.version}</option>}
          </Select>
        </Field>
        <Field label="Weight" htmlFor={`w-${entry.key}`}>
          <Input
            id={`w-${entry.key}`}
            type="number"
            step="any"
            min="0"
            value={entry.weight}
            onChange={(e) => onChange({ ...entry, weight: e.target.value })}
            data-testid="dataset-weight"
            invalid={!!error}
          />
        </Field>
        <Button
          type="button"
          variant="ghost"
          onClick={onRemove}
          disabled={!multi}
          aria-label="Remove dataset"
          className="mb-0.5"
        >
          <Trash2 className="size-4" aria-hidden />
        </Button>
      </div>
      <div className="mt-2 flex items-center gap-3 text-xs text-zinc-500">
        {current && <FormatBadge format={current.format} />}
        {current && <span>{formatNumber(current.rowCount)} rows</span>}
        {multi && (
          <span className="flex flex-1 items-center gap-2">
            <span className="h-1.5 w-24 overflow-hidden rounded-full bg-zinc-100">
              <span className="block h-full rounded-full bg-accent-500" style={{ width: `${share * 100}%` }} />
            </span>
            {(share * 100).toFixed(0)}% of samples
          </span>
        )}
      </div>
      {error && (
        <p className="mt-2 text-xs font-medium text-red-600" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
