import {
  BOOLEAN_HYPERPARAMETER_FIELDS,
  NUMBER_HYPERPARAMETER_FIELDS,
  hyperparameterApplies,
  type HyperparameterField,
} from "@whetstone/core";
import { ChevronDown } from "lucide-react";
import { useState } from "react";
import { Badge, Card, CardBody, CardHeader, Field, Input, cn } from "@/components/ui";
import type { JobForm } from "./use-job-form";

type NumberField = Extract<HyperparameterField, { kind: "number" }>;
const BASIC = NUMBER_HYPERPARAMETER_FIELDS.filter((f) => !f.advanced);
const ADVANCED = NUMBER_HYPERPARAMETER_FIELDS.filter((f) => f.advanced);

/** 5 · Hyperparameters: the basic ones, and the rest behind "Advanced" (with priority and the switches). */
export function HyperparametersSection({ form }: { form: JobForm }) {
  const { hp, setHpValue, flags, setFlag, method, technique, priority, setPriority, gpuCount, setGpuCount, err } = form;
  const [advanced, setAdvanced] = useState(false);
  const hpErr = (k: string) => err(`hyperparameters.${k}`);
  const applies = (f: HyperparameterField) => hyperparameterApplies(f, { method, technique });
  const input = (f: NumberField) => (
    <HpInput key={f.key} field={f} value={hp[f.key]} error={hpErr(f.key)} onChange={(v) => setHpValue(f.key, v)} />
  );
  return (
    <Card>
      <CardHeader title="5 · Hyperparameters" description="Sensible defaults; change what you know you need." />
      <CardBody>
        <div className="grid gap-4 sm:grid-cols-4">{BASIC.filter(applies).map(input)}</div>
        <button
          type="button"
          onClick={() => setAdvanced((a) => !a)}
          className="mt-5 inline-flex items-center gap-1.5 text-[13px] font-medium text-zinc-600 hover:text-zinc-900"
          aria-expanded={advanced}
          data-testid="toggle-advanced"
        >
          <ChevronDown className={cn("size-4 transition-transform", advanced && "rotate-180")} aria-hidden />
          Advanced
          {!advanced && ADVANCED.some((f) => hpErr(f.key)) && <Badge tone="red">has errors</Badge>}
        </button>
        {advanced && (
          <div className="mt-4 space-y-5" data-testid="advanced-hyperparameters">
            <div className="grid gap-4 sm:grid-cols-4">
              {ADVANCED.filter(applies).map(input)}
              <Field label="Priority" htmlFor="priority" hint="0–10; higher runs first" error={err("priority")}>
                <Input
                  id="priority"
                  type="number"
                  value={priority}
                  onChange={(e) => setPriority(e.target.value)}
                  invalid={!!err("priority")}
                />
              </Field>
              <Field
                label="GPUs"
                htmlFor="gpu-count"
                hint="one process each; batch size is split over them"
                error={err("gpuCount")}
              >
                <Input
                  id="gpu-count"
                  type="number"
                  min={1}
                  value={gpuCount}
                  onChange={(e) => setGpuCount(e.target.value)}
                  invalid={!!err("gpuCount")}
                  data-testid="gpu-count"
                />
              </Field>
            </div>
            <div className="grid gap-3 sm:grid-cols-2">
              {BOOLEAN_HYPERPARAMETER_FIELDS.filter(applies).map((f) => (
                <label
                  key={f.key}
                  className="flex cursor-pointer items-start gap-3 rounded-lg border border-zinc-200 px-3 py-2.5 hover:bg-zinc-50"
                >
                  <input
                    type="checkbox"
                    className="mt-0.5 size-4 accent-accent-600"
                    checked={flags[f.key]}
                    onChange={(e) => setFlag(f.key, e.target.checked)}
                    data-testid={`hp-${f.key}`}
                  />
                  <span>
                    <span className="block text-[13px] font-medium text-zinc-800">{f.label}</span>
                    <span className="block text-xs text-zinc-500">{f.help}</span>
                  </span>
                </label>
              ))}
            </div>
          </div>
        )}
      </CardBody>
    </Card>
  );
}

function HpInput({
  field,
  value,
  error,
  onChange,
}: {
  field: NumberField;
  value: string;
  error: string | null;
  onChange: (v: string) => void;
}) {
  const id = `hp-${field.key}`;
  return (
    <Field
      label={field.label}
      htmlFor={id}
      hint={field.help ?? field.unit}
      error={error}
      errorTestId={`error-${field.key}`}
    >
      <Input
        id={id}
        type="number"
        step={field.decimal ? "any" : "1"}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        invalid={!!error}
        data-testid={id}
      />
    </Field>
  );
}
