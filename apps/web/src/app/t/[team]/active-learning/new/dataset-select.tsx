"use client";
/** A dataset picker limited to some formats (the latest version of each dataset whose latest version fits). */
import { Field, Select } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";

type DatasetItem = RouterOutputs["datasets"]["list"][number];

export function DatasetSelect({
  id,
  label,
  hint,
  error,
  datasets,
  formats,
  value,
  onChange,
  optional,
  exclude,
}: {
  id: string;
  label: string;
  hint: React.ReactNode;
  error?: string;
  datasets: DatasetItem[];
  formats: readonly string[];
  value: string;
  onChange: (versionId: string) => void;
  optional?: string;
  exclude?: string[];
}) {
  const fitting = datasets.filter(
    (d) => d.latestVersion && formats.includes(d.latestVersion.format) && !exclude?.includes(d.latestVersion.id),
  );
  return (
    <Field label={label} htmlFor={id} hint={hint} error={error} errorTestId={`error-${id}`}>
      <Select id={id} value={value} invalid={!!error} onChange={(e) => onChange(e.target.value)} data-testid={id}>
        <option value="">{optional ?? (fitting.length ? "Choose a dataset…" : "No dataset fits yet")}</option>
        {fitting.map((d) => (
          <option key={d.id} value={d.latestVersion!.id}>
            {d.name} · v{d.latestVersion!.version} · {formatNumber(d.latestVersion!.rowCount)} rows (
            {d.latestVersion!.format})
          </option>
        ))}
      </Select>
    </Field>
  );
}
