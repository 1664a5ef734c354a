"use client";
/**
 * The job form's state: the dataset mix, technique (kept consistent with the datasets' formats), base model,
 * method, hyperparameters and priority; pre-filled from ?dataset= and ?base=; validated in the browser with
 * the same jobSpecSchema the API uses, errors keyed by their path ("hyperparameters.epochs").
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  BOOLEAN_HYPERPARAMETER_FIELDS,
  DATASET_FORMAT_LABELS,
  DEFAULT_HYPERPARAMETERS,
  defaultHyperparameter,
  FORMATS_FOR_TECHNIQUE,
  NUMBER_HYPERPARAMETER_FIELDS,
  TECHNIQUE_LABELS,
  TECHNIQUES,
  jobSpecSchema,
  type BooleanHyperparameterKey,
  type DatasetFormat,
  type GradientCheckpointingChoice,
  type Method,
  type NumberHyperparameterKey,
  type Technique,
} from "@whetstone/core";
import { useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useState } from "react";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";

export type DatasetItem = RouterOutputs["datasets"]["list"][number];
export interface MixEntry {
  key: number;
  datasetId: string;
  datasetVersionId: string;
  weight: string;
}
export type HpValues = Record<NumberHyperparameterKey, string>;
export type HpFlags = Record<BooleanHyperparameterKey, boolean>;

const initialHp = () =>
  Object.fromEntries(
    NUMBER_HYPERPARAMETER_FIELDS.map((f) => [f.key, String(defaultHyperparameter(f.key) ?? "")]),
  ) as HpValues;
const initialFlags = () =>
  Object.fromEntries(BOOLEAN_HYPERPARAMETER_FIELDS.map((f) => [f.key, DEFAULT_HYPERPARAMETERS[f.key]])) as HpFlags;

/** "Chat + Raw text": the formats of a mix, by name. */
export const formatNames = (formats: string[]) =>
  [...new Set(formats)].map((f) => DATASET_FORMAT_LABELS[f as DatasetFormat] ?? f).join(" + ");

export function useJobForm(team: string) {
  const trpc = useTRPC();
  const router = useRouter();
  const search = useSearchParams();
  const datasets = useQuery(trpc.datasets.list.queryOptions());
  const models = useQuery(trpc.baseModels.list.queryOptions());

  const [name, setName] = useState("");
  const [mix, setMix] = useState<MixEntry[]>([]);
  /** An explicit validation set (a dataset version id); "": hold out validationSplit of the training data. */
  const [validationVersionId, setValidationVersionId] = useState("");
  const [technique, setTechnique] = useState<Technique | null>(null);
  const [baseModelId, setBaseModelId] = useState("");
  const [method, setMethod] = useState<Method>("lora");
  const [hp, setHp] = useState<HpValues>(initialHp);
  const [flags, setFlags] = useState<HpFlags>(initialFlags);
  /** "auto" until the user overrides it on the estimate, which shows what auto picked and the trade-off. */
  const [checkpointing, setCheckpointing] = useState<GradientCheckpointingChoice>(
    DEFAULT_HYPERPARAMETERS.gradientCheckpointing,
  );
  const [priority, setPriority] = useState("5");
  /** GPUs to train on (one process each); the batch size is the global batch and must split over them. */
  const [gpuCount, setGpuCount] = useState("1");
  /** Why to train on data a readiness check blocks (sent only when non-empty). */
  const [overrideReason, setOverrideReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState(false);

  // Pre-fill: ?dataset=<versionId> (&datasetId=, for a version that is not the latest) from a dataset page, else
  // the newest dataset. Waits for a fresh list: a cached one may predate the version just made (a cleaned version).
  useEffect(() => {
    if (!datasets.data || datasets.isFetching || mix.length) return;
    const wanted = search.get("dataset");
    const owner = datasets.data.find((x) => x.id === search.get("datasetId"));
    if (wanted && owner && owner.latestVersion?.id !== wanted) {
      setMix([{ key: Date.now(), datasetId: owner.id, datasetVersionId: wanted, weight: "1" }]);
      return;
    }
    const d =
      datasets.data.find((x) => x.latestVersion && (x.latestVersion.id === wanted || x.id === wanted)) ??
      datasets.data.find((x) => x.latestVersion);
    if (d?.latestVersion)
      setMix([{ key: Date.now(), datasetId: d.id, datasetVersionId: d.latestVersion.id, weight: "1" }]);
  }, [datasets.data, datasets.isFetching, mix.length, search]);

  const formatOf = useMemo(() => {
    const m = new Map<string, string>();
    datasets.data?.forEach((d) => d.latestVersion && m.set(d.latestVersion.id, d.latestVersion.format));
    return m;
  }, [datasets.data]);
  const [versionFormats, setVersionFormats] = useState<Record<string, string>>({});
  const noteFormat = useCallback(
    (versionId: string, format: string) =>
      setVersionFormats((m) => (m[versionId] === format ? m : { ...m, [versionId]: format })),
    [],
  );
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

  const addDataset = () => {
    const used = new Set(mix.map((m) => m.datasetId));
    const d =
      datasets.data?.find((x) => x.latestVersion && !used.has(x.id)) ?? datasets.data?.find((x) => x.latestVersion);
    if (d?.latestVersion)
      setMix((m) => [...m, { key: Date.now(), datasetId: d.id, datasetVersionId: d.latestVersion!.id, weight: "1" }]);
  };
  const updateEntry = (next: MixEntry) => setMix((m) => m.map((x) => (x.key === next.key ? next : x)));
  const removeEntry = (key: number) => setMix((m) => m.filter((x) => x.key !== key));
  const setHpValue = (key: NumberHyperparameterKey, value: string) => setHp((h) => ({ ...h, [key]: value }));
  const setFlag = (key: BooleanHyperparameterKey, value: boolean) => setFlags((x) => ({ ...x, [key]: value }));

  const spec = () => {
    const hyperparameters: Record<string, unknown> = { ...flags, gradientCheckpointing: checkpointing };
    for (const { key, techniques } of NUMBER_HYPERPARAMETER_FIELDS) {
      // A technique's own hyperparameter (DPO's beta) goes only with that technique: the spec refuses it elsewhere.
      if (techniques && !(technique && techniques.includes(technique))) continue;
      const raw = hp[key].trim();
      const n = Number(raw);
      // Empty: the default, or "none" where the schema allows it (max steps).
      if (raw === "") hyperparameters[key] = DEFAULT_HYPERPARAMETERS[key] === null ? null : undefined;
      else hyperparameters[key] = Number.isNaN(n) ? raw : n;
    }
    return {
      name: name.trim() || undefined,
      baseModelId,
      technique: technique ?? undefined,
      method,
      datasets: mix.map((e) => ({
        datasetVersionId: e.datasetVersionId,
        weight: e.weight.trim() === "" ? undefined : Number(e.weight),
      })),
      validationDatasetVersionId: validationVersionId || undefined,
      hyperparameters,
      priority: priority.trim() === "" ? undefined : Number(priority),
      gpuCount: gpuCount.trim() === "" ? undefined : Number(gpuCount),
      readinessOverride: overrideReason.trim() ? { reason: overrideReason.trim() } : undefined,
    };
  };

  const validate = () => {
    const parsed = jobSpecSchema.safeParse(spec());
    const errs: Record<string, string> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errs[issue.path.join(".")] ??= issue.message;
    }
    if (!technique && chosenFormats.length) {
      errs.technique = `No technique trains on ${formatNames(chosenFormats)} together: mix datasets of compatible formats.`;
    }
    if (technique && chosenFormats.some((f) => !(FORMATS_FOR_TECHNIQUE[technique] as readonly string[]).includes(f))) {
      errs.technique = `${TECHNIQUE_LABELS[technique]} can't train on ${chosenFormats.join(", ")} data`;
    }
    setErrors(errs);
    return parsed.success && Object.keys(errs).length === 0 ? parsed.data : null;
  };

  useEffect(() => {
    if (touched) validate();
  }, [
    touched,
    name,
    mix,
    validationVersionId,
    technique,
    baseModelId,
    method,
    hp,
    flags,
    checkpointing,
    priority,
    gpuCount,
    overrideReason,
  ]);

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

  const submit = () => {
    setTouched(true);
    const ok = validate();
    if (ok) create.mutate(ok);
  };

  return {
    datasets,
    models,
    name,
    setName,
    mix,
    addDataset,
    updateEntry,
    removeEntry,
    noteFormat,
    validationVersionId,
    setValidationVersionId,
    chosenFormats,
    technique,
    setTechnique,
    allowedTechniques,
    baseModelId,
    setBaseModelId,
    method,
    setMethod,
    hp,
    setHpValue,
    flags,
    setFlag,
    checkpointing,
    setCheckpointing,
    priority,
    setPriority,
    gpuCount,
    setGpuCount,
    overrideReason,
    setOverrideReason,
    errors,
    /** The message for an error path, or null. */
    err: (path: string): string | null => errors[path] ?? null,
    touched,
    spec,
    submit,
    create,
  };
}
export type JobForm = ReturnType<typeof useJobForm>;
