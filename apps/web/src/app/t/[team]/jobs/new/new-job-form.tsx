"use client";
/**
 * The job form: datasets with weights (multi-task), technique (filtered by the chosen datasets' formats), base
 * model (including earlier jobs' artifacts → transfer learning), method, hyperparameters. Validated in the
 * browser with the same jobSpecSchema the API uses; errors appear next to their field.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  DATASET_FORMAT_LABELS,
  DEFAULT_HYPERPARAMETERS,
  FORMATS_FOR_TECHNIQUE,
  METHOD_LABELS,
  METHODS,
  TECHNIQUE_LABELS,
  TECHNIQUES,
  jobSpecSchema,
  type DatasetFormat,
  type Hyperparameters,
  type Method,
  type Technique,
} from "@whetstone/core";
import { ChevronDown, ChevronLeft, Database, GitBranch, Plus, Trash2 } from "lucide-react";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { FormatBadge } from "@/components/format-badge";
import {
  Alert,
  Badge,
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
  cn,
} from "@/components/ui";
import { formatCompact, formatNumber } from "@/lib/format";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";
import { JobEstimate } from "./job-estimate";

type DatasetItem = RouterOutputs["datasets"]["list"][number];
type BaseModel = RouterOutputs["baseModels"]["list"][number];
interface MixEntry {
  key: number;
  datasetId: string;
  datasetVersionId: string;
  weight: string;
}

const TECHNIQUE_HELP: Record<Technique, string> = {
  sft: "Teach answers: chat, prompt/completion or alpaca rows; loss on the answer tokens.",
  continued_pretraining: "Absorb domain language from raw text with next-token prediction.",
  classification: "Predict a label for a text with a classification head.",
};
const METHOD_HELP: Record<Method, string> = {
  lora: "Small adapter on frozen weights. Fast, light on memory.",
  qlora: "LoRA on a 4-bit base. Least memory; needs a CUDA GPU.",
  full: "Update every weight. Most capacity, most memory.",
};

type HpKey = keyof Hyperparameters;
const BASIC_HP: { key: HpKey; label: string; step?: string; hint?: string }[] = [
  { key: "epochs", label: "Epochs" },
  { key: "learningRate", label: "Learning rate", step: "any" },
  { key: "batchSize", label: "Batch size" },
  { key: "maxSeqLength", label: "Max sequence length", hint: "tokens" },
];
const ADVANCED_HP: { key: HpKey; label: string; step?: string; hint?: string; lora?: boolean }[] = [
  { key: "gradientAccumulationSteps", label: "Gradient accumulation" },
  { key: "warmupRatio", label: "Warm-up ratio", step: "any" },
  { key: "weightDecay", label: "Weight decay", step: "any" },
  { key: "loraR", label: "LoRA rank (r)", lora: true },
  { key: "loraAlpha", label: "LoRA alpha", lora: true },
  { key: "loraDropout", label: "LoRA dropout", step: "any", lora: true },
  { key: "validationSplit", label: "Validation split", step: "any", hint: "share held out" },
  { key: "earlyStoppingPatience", label: "Early-stopping patience", hint: "0 = off" },
  { key: "evalEverySteps", label: "Evaluate every (steps)" },
  { key: "checkpointEverySteps", label: "Checkpoint every (steps)" },
  { key: "logEverySteps", label: "Log every (steps)" },
  { key: "maxSteps", label: "Max steps", hint: "empty = all epochs" },
  { key: "seed", label: "Seed" },
];
const BOOL_HP: { key: "packing" | "mergeWeights"; label: string; hint: string }[] = [
  { key: "packing", label: "Pack sequences", hint: "Concatenate short texts into full-length sequences." },
  { key: "mergeWeights", label: "Also save merged weights", hint: "Adapter merged into the base, ready to serve." },
];

function initialHp(): Record<HpKey, string> {
  return Object.fromEntries(
    Object.entries(DEFAULT_HYPERPARAMETERS).map(([k, v]) => [k, v == null ? "" : String(v)]),
  ) as Record<HpKey, string>;
}

export function NewJobForm({ team }: { team: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const search = useSearchParams();
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  const models = useQuery(trpc.baseModels.list.queryOptions());

  const [name, setName] = useState("");
  const [mix, setMix] = useState<MixEntry[]>([]);
  const [technique, setTechnique] = useState<Technique | null>(null);
  const [baseModelId, setBaseModelId] = useState("");
  const [method, setMethod] = useState<Method>("lora");
  const [hp, setHp] = useState<Record<HpKey, string>>(initialHp);
  const [flags, setFlags] = useState({
    packing: DEFAULT_HYPERPARAMETERS.packing,
    mergeWeights: DEFAULT_HYPERPARAMETERS.mergeWeights,
  });
  const [priority, setPriority] = useState("5");
  const [advanced, setAdvanced] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);

  // Pre-fill: ?dataset=<versionId> from a dataset page, else the newest dataset.
  useEffect(() => {
    if (!datasets.data || mix.length) return;
    const wanted = search.get("dataset");
    const d =
      datasets.data.find((x) => x.latestVersion && (x.latestVersion.id === wanted || x.id === wanted)) ??
      datasets.data.find((x) => x.latestVersion);
    if (d?.latestVersion)
      setMix([{ key: Date.now(), datasetId: d.id, datasetVersionId: d.latestVersion.id, weight: "1" }]);
  }, [datasets.data, mix.length, search]);

  const formatOf = useMemo(() => {
    const m = new Map<string, string>();
    datasets.data?.forEach((d) => d.latestVersion && m.set(d.latestVersion.id, d.latestVersion.format));
    return m;
  }, [datasets.data]);
  const [versionFormats, setVersionFormats] = useState<Record<string, string>>({});
  const chosenFormats = mix
    .map((e) => versionFormats[e.datasetVersionId] ?? formatOf.get(e.datasetVersionId))
    .filter(Boolean) as string[];
  const allowedTechniques = TECHNIQUES.filter((t) =>
    chosenFormats.every((f) => (FORMATS_FOR_TECHNIQUE[t] as readonly string[]).includes(f)),
  );

  // Keep the technique consistent with the datasets.
  useEffect(() => {
    if (!chosenFormats.length) return;
    if (!technique || !allowedTechniques.includes(technique)) setTechnique(allowedTechniques[0] ?? null);
  }, [chosenFormats.join(",")]);

  useEffect(() => {
    if (!baseModelId && models.data?.length) {
      const wanted = search.get("base");
      const firstBase =
        models.data.find((m) => m.id === wanted) ?? models.data.find((m) => m.source !== "artifact") ?? models.data[0];
      if (firstBase) setBaseModelId(firstBase.id);
    }
  }, [models.data, baseModelId, search]);

  const spec = () => {
    const num = (k: HpKey) => {
      const raw = hp[k].trim();
      if (raw === "") return k === "maxSteps" ? null : undefined;
      const n = Number(raw);
      return Number.isNaN(n) ? raw : n;
    };
    const hyperparameters: Record<string, unknown> = { ...flags };
    for (const k of Object.keys(DEFAULT_HYPERPARAMETERS) as HpKey[])
      if (k !== "packing" && k !== "mergeWeights") hyperparameters[k] = num(k);
    return {
      name: name.trim() || undefined,
      baseModelId,
      technique: technique ?? undefined,
      method,
      datasets: mix.map((e) => ({
        datasetVersionId: e.datasetVersionId,
        weight: e.weight.trim() === "" ? undefined : Number(e.weight),
      })),
      hyperparameters,
      priority: priority.trim() === "" ? undefined : Number(priority),
    };
  };

  const validate = () => {
    const parsed = jobSpecSchema.safeParse(spec());
    const errs: Record<string, string> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const key = issue.path.join(".");
        errs[key] ??= issue.message;
      }
    }
    if (!technique && chosenFormats.length) {
      const kinds = [...new Set(chosenFormats)].map((f) => DATASET_FORMAT_LABELS[f as DatasetFormat] ?? f).join(" + ");
      errs.technique = `No technique trains on ${kinds} together: mix datasets of compatible formats.`;
    }
    if (technique && chosenFormats.some((f) => !(FORMATS_FOR_TECHNIQUE[technique] as readonly string[]).includes(f))) {
      errs.technique = `${TECHNIQUE_LABELS[technique]} can't train on ${chosenFormats.join(", ")} data`;
    }
    setErrors(errs);
    return parsed.success && Object.keys(errs).length === 0 ? parsed.data : null;
  };

  useEffect(() => {
    if (touched) validate();
  }, [touched, name, mix, technique, baseModelId, method, hp, flags, priority]);

  const create = useMutation(
    trpc.jobs.create.mutationOptions({
      onSuccess: (job) => router.push(`/t/${team}/jobs/${job.id}`),
      onError: (err) => {
        const info = errorInfo(err);
        const errs: Record<string, string> = {};
        if (info.details?.field) errs[String(info.details.field)] = info.message;
        info.zodIssues?.forEach((i) => (errs[i.path.join(".")] ??= i.message));
        setErrors((e) => ({ ...e, ...errs }));
      },
    }),
  );

  const err = (k: string) => errors[k] ?? null;
  const noDatasets = datasets.data && datasets.data.length === 0;
  const models_ = models.data ?? [];
  const baseModels = models_.filter((m) => m.source !== "artifact");
  const artifacts = models_.filter((m) => m.source === "artifact");
  const selectedModel = models_.find((m) => m.id === baseModelId);

  if (noDatasets) {
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

  const hpErr = (k: HpKey) => err(`hyperparameters.${k}`);

  return (
    <form
      data-testid="new-job-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setTouched(true);
        const ok = validate();
        if (ok) create.mutate(ok);
      }}
    >
      <Header team={team} />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <div className="space-y-6">
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
                  totalWeight={mix.reduce((s, e) => s + (Number(e.weight) || 0), 0)}
                  multi={mix.length > 1}
                  error={err(`datasets.${i}.datasetVersionId`) ?? err(`datasets.${i}.weight`) ?? err(`datasets.${i}`)}
                  onFormat={(vid, f) => setVersionFormats((m) => (m[vid] === f ? m : { ...m, [vid]: f }))}
                  onChange={(next) => setMix((m) => m.map((x) => (x.key === entry.key ? next : x)))}
                  onRemove={() => setMix((m) => m.filter((x) => x.key !== entry.key))}
                />
              ))}
              {err("datasets") && (
                <p className="text-xs font-medium text-red-600" data-testid="field-error">
                  {err("datasets")}
                </p>
              )}
              <Button
                type="button"
                variant="secondary"
                size="sm"
                data-testid="add-dataset"
                disabled={!datasets.data?.length || mix.length >= 16}
                onClick={() => {
                  const used = new Set(mix.map((m) => m.datasetId));
                  const d =
                    datasets.data?.find((x) => x.latestVersion && !used.has(x.id)) ??
                    datasets.data?.find((x) => x.latestVersion);
                  if (d?.latestVersion)
                    setMix((m) => [
                      ...m,
                      { key: Date.now(), datasetId: d.id, datasetVersionId: d.latestVersion!.id, weight: "1" },
                    ]);
                }}
              >
                <Plus className="size-4" aria-hidden /> Add a dataset
              </Button>
            </CardBody>
          </Card>

          <Card>
            <CardHeader
              title="2 · Technique"
              description={
                chosenFormats.length
                  ? `Options that can read ${[...new Set(chosenFormats)].map((f) => DATASET_FORMAT_LABELS[f as DatasetFormat] ?? f).join(" + ")}.`
                  : undefined
              }
            />
            <CardBody>
              <div className="grid gap-3 sm:grid-cols-3" role="radiogroup" data-testid="technique-options">
                {TECHNIQUES.map((t) => {
                  const allowed = allowedTechniques.includes(t);
                  return (
                    <OptionCard
                      key={t}
                      name="technique"
                      value={t}
                      checked={technique === t}
                      disabled={!allowed}
                      onSelect={() => setTechnique(t)}
                      title={TECHNIQUE_LABELS[t]}
                      body={allowed ? TECHNIQUE_HELP[t] : `Needs ${FORMATS_FOR_TECHNIQUE[t].join(" / ")} data.`}
                    />
                  );
                })}
              </div>
              {err("technique") && (
                <p className="mt-2 text-xs font-medium text-red-600" data-testid="field-error">
                  {err("technique")}
                </p>
              )}
            </CardBody>
          </Card>

          <Card>
            <CardHeader
              title="3 · Base model"
              description="Start from a pre-trained model, or continue from one of your fine-tuned models (transfer learning)."
            />
            <CardBody className="space-y-4">
              <Field label="Model" htmlFor="base-model" error={err("baseModelId")}>
                {models.isLoading ? (
                  <Skeleton className="h-9 w-full" />
                ) : (
                  <Select
                    id="base-model"
                    value={baseModelId}
                    onChange={(e) => setBaseModelId(e.target.value)}
                    data-testid="base-model-select"
                    invalid={!!err("baseModelId")}
                  >
                    {!models_.length && <option value="">No base models registered</option>}
                    <optgroup label="Base models">
                      {baseModels.map((m) => (
                        <option key={m.id} value={m.id}>
                          {m.name}
                          {m.parameterCount ? ` · ${formatCompact(m.parameterCount)} params` : ""}
                        </option>
                      ))}
                    </optgroup>
                    {artifacts.length > 0 && (
                      <optgroup label="Your fine-tuned models">
                        {artifacts.map((m) => (
                          <option key={m.id} value={m.id}>
                            {m.name}
                            {m.parent ? ` ← ${m.parent.name}` : ""}
                          </option>
                        ))}
                      </optgroup>
                    )}
                  </Select>
                )}
              </Field>
              {selectedModel && <ModelLineage model={selectedModel} all={models_} team={team} />}
            </CardBody>
          </Card>

          <Card>
            <CardHeader title="4 · Method" />
            <CardBody>
              <div className="grid gap-3 sm:grid-cols-3" role="radiogroup" data-testid="method-options">
                {METHODS.map((m) => (
                  <OptionCard
                    key={m}
                    name="method"
                    value={m}
                    checked={method === m}
                    onSelect={() => setMethod(m)}
                    title={METHOD_LABELS[m]}
                    body={METHOD_HELP[m]}
                  />
                ))}
              </div>
              {err("method") && <p className="mt-2 text-xs font-medium text-red-600">{err("method")}</p>}
            </CardBody>
          </Card>

          <Card>
            <CardHeader title="5 · Hyperparameters" description="Sensible defaults; change what you know you need." />
            <CardBody>
              <div className="grid gap-4 sm:grid-cols-4">
                {BASIC_HP.map((f) => (
                  <HpInput
                    key={f.key}
                    field={f}
                    value={hp[f.key]}
                    error={hpErr(f.key)}
                    onChange={(v) => setHp((h) => ({ ...h, [f.key]: v }))}
                  />
                ))}
              </div>
              <button
                type="button"
                onClick={() => setAdvanced((a) => !a)}
                className="mt-5 inline-flex items-center gap-1.5 text-[13px] font-medium text-zinc-600 hover:text-zinc-900"
                aria-expanded={advanced}
                data-testid="toggle-advanced"
              >
                <ChevronDown className={cn("size-4 transition-transform", advanced && "rotate-180")} aria-hidden />
                Advanced
                {!advanced && ADVANCED_HP.some((f) => hpErr(f.key)) && <Badge tone="red">has errors</Badge>}
              </button>
              {advanced && (
                <div className="mt-4 space-y-5" data-testid="advanced-hyperparameters">
                  <div className="grid gap-4 sm:grid-cols-4">
                    {ADVANCED_HP.filter((f) => !f.lora || method !== "full").map((f) => (
                      <HpInput
                        key={f.key}
                        field={f}
                        value={hp[f.key]}
                        error={hpErr(f.key)}
                        onChange={(v) => setHp((h) => ({ ...h, [f.key]: v }))}
                      />
                    ))}
                    <Field label="Priority" htmlFor="priority" hint="0–10; higher runs first" error={err("priority")}>
                      <Input
                        id="priority"
                        type="number"
                        value={priority}
                        onChange={(e) => setPriority(e.target.value)}
                        invalid={!!err("priority")}
                      />
                    </Field>
                  </div>
                  <div className="grid gap-3 sm:grid-cols-2">
                    {BOOL_HP.filter((f) => f.key !== "packing" || technique === "continued_pretraining").map((f) => (
                      <label
                        key={f.key}
                        className="flex cursor-pointer items-start gap-3 rounded-lg border border-zinc-200 px-3 py-2.5 hover:bg-zinc-50"
                      >
                        <input
                          type="checkbox"
                          className="mt-0.5 size-4 accent-accent-600"
                          checked={flags[f.key]}
                          onChange={(e) => setFlags((x) => ({ ...x, [f.key]: e.target.checked }))}
                          data-testid={`hp-${f.key}`}
                        />
                        <span>
                          <span className="block text-[13px] font-medium text-zinc-800">{f.label}</span>
                          <span className="block text-xs text-zinc-500">{f.hint}</span>
                        </span>
                      </label>
                    ))}
                  </div>
                </div>
              )}
            </CardBody>
          </Card>
        </div>

        <div className="space-y-4 lg:sticky lg:top-8 lg:self-start">
          <Card>
            <CardHeader title="Summary" />
            <CardBody className="space-y-4">
              <Field label="Job name" htmlFor="job-name" hint="Optional; one is generated." error={err("name")}>
                <Input
                  id="job-name"
                  value={name}
                  onChange={(e) => setName(e.target.value)}
                  placeholder="triage-notes-lora"
                  data-testid="job-name-input"
                />
              </Field>
              <dl className="space-y-2 text-[13px]">
                <SummaryRow label="Data">
                  {mix.length ? `${mix.length} dataset${mix.length > 1 ? "s" : ""}` : "—"}
                </SummaryRow>
                <SummaryRow label="Rows">
                  {formatNumber(
                    mix.reduce(
                      (s, e) => s + (datasets.data?.find((d) => d.id === e.datasetId)?.latestVersion?.rowCount ?? 0),
                      0,
                    ),
                  )}
                </SummaryRow>
                <SummaryRow label="Technique">{technique ? TECHNIQUE_LABELS[technique] : "—"}</SummaryRow>
                <SummaryRow label="Base">{selectedModel?.name ?? "—"}</SummaryRow>
                <SummaryRow label="Method">{METHOD_LABELS[method]}</SummaryRow>
                <SummaryRow label="Epochs">{hp.epochs || "—"}</SummaryRow>
              </dl>
              {create.error && !Object.keys(errors).length && (
                <Alert title="The job was not created" testId="job-create-error">
                  {errorInfo(create.error).message}
                </Alert>
              )}
              {touched && Object.keys(errors).length > 0 && (
                <Alert title="Check the highlighted fields" testId="job-form-errors">
                  {Object.keys(errors).length} field{Object.keys(errors).length > 1 ? "s need" : " needs"} attention.
                </Alert>
              )}
              <Button
                type="submit"
                className="w-full"
                loading={create.isPending || create.isSuccess}
                data-testid="create-job-submit"
              >
                Start fine-tuning
              </Button>
            </CardBody>
          </Card>
          <JobEstimate spec={spec()} />
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

function SummaryRow({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex justify-between gap-3">
      <dt className="text-zinc-500">{label}</dt>
      <dd className="truncate text-right font-medium text-zinc-800">{children}</dd>
    </div>
  );
}

function OptionCard({
  name,
  value,
  checked,
  disabled,
  onSelect,
  title,
  body,
}: {
  name: string;
  value: string;
  checked: boolean;
  disabled?: boolean;
  onSelect: () => void;
  title: string;
  body: string;
}) {
  return (
    <label
      className={cn(
        "relative flex cursor-pointer flex-col rounded-xl border px-4 py-3 transition-colors",
        checked
          ? "border-accent-500 bg-accent-50/60 ring-1 ring-accent-500"
          : "border-zinc-200 hover:border-zinc-300 hover:bg-zinc-50",
        disabled && "cursor-not-allowed opacity-50 hover:border-zinc-200 hover:bg-transparent",
      )}
      data-testid={`${name}-${value}`}
    >
      <input
        type="radio"
        name={name}
        value={value}
        checked={checked}
        disabled={disabled}
        onChange={onSelect}
        className="sr-only"
      />
      <span className="text-sm font-semibold text-zinc-900">{title}</span>
      <span className="mt-1 text-xs leading-relaxed text-zinc-500">{body}</span>
    </label>
  );
}

function HpInput({
  field,
  value,
  error,
  onChange,
}: {
  field: { key: HpKey; label: string; step?: string; hint?: string };
  value: string;
  error: string | null;
  onChange: (v: string) => void;
}) {
  const id = `hp-${field.key}`;
  return (
    <Field label={field.label} htmlFor={id} hint={field.hint} error={error} errorTestId={`error-${field.key}`}>
      <Input
        id={id}
        type="number"
        step={field.step ?? "1"}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        invalid={!!error}
        data-testid={id}
      />
    </Field>
  );
}

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

export function ModelLineage({ model, all, team }: { model: BaseModel; all: BaseModel[]; team: string }) {
  // Walk up the parents we know about: artifact → … → base.
  const chain: { id: string; name: string; job?: { id: string; name: string } | null }[] = [];
  let cur: BaseModel | undefined = model;
  const seen = new Set<string>();
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    chain.push({ id: cur.id, name: cur.name, job: cur.sourceJob });
    const parentId: string | undefined = cur.parent?.id;
    const parentName = cur.parent?.name;
    cur = parentId ? all.find((m) => m.id === parentId) : undefined;
    if (!cur && parentId && parentName) chain.push({ id: parentId, name: parentName });
  }
  if (chain.length < 2 && model.source !== "artifact") {
    return (
      <p className="text-xs text-zinc-500">
        <Badge>{model.source === "huggingface" ? "Hugging Face" : "Local"}</Badge>{" "}
        <span className="ml-1 font-mono">{model.ref}</span>
        {model.contextLength ? ` · ${formatNumber(model.contextLength)} context` : ""}
      </p>
    );
  }
  return (
    <div className="rounded-lg bg-zinc-50 px-3 py-2.5" data-testid="model-lineage">
      <div className="mb-1.5 flex items-center gap-1.5 text-xs font-medium text-zinc-500">
        <GitBranch className="size-3.5" aria-hidden /> Lineage
      </div>
      <ol className="flex flex-wrap items-center gap-1.5 text-xs">
        {[...chain].reverse().map((c, i) => (
          <li key={c.id} className="flex items-center gap-1.5">
            {i > 0 && <span className="text-zinc-300">→</span>}
            <span
              className={cn(
                "rounded-md px-2 py-0.5 ring-1",
                c.id === model.id
                  ? "bg-accent-50 text-accent-700 ring-accent-200"
                  : "bg-white text-zinc-700 ring-zinc-200",
              )}
            >
              {c.name}
            </span>
            {c.job && (
              <Link href={`/t/${team}/jobs/${c.job.id}`} className="text-zinc-400 hover:text-accent-600">
                (job)
              </Link>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
