"use client";
/**
 * The new-evaluation form's state: models (the reference first), dataset versions, technique and name; the
 * create call; and the API's errors keyed by the field they name (`models.1.modelId`, `datasetVersionIds.0`,
 * `technique`, …) so each shows under its field. `?model=<id>` starts from a fine-tuned model against its parent.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import type { Technique } from "@whetstone/core";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { errorInfo, useTRPC } from "@/lib/trpc";

export const MAX_MODELS = 8;

export interface DatasetEntry {
  key: number;
  datasetId: string;
  datasetVersionId: string;
}

let nextKey = 1;

export function useNewEvaluation(team: string) {
  const trpc = useTRPC();
  const router = useRouter();
  const search = useSearchParams();
  const models = useQuery(trpc.baseModels.list.queryOptions());
  const datasets = useQuery(trpc.datasets.list.queryOptions());

  const [name, setName] = useState("");
  const [modelIds, setModelIds] = useState<string[]>(["", ""]);
  const [entries, setEntries] = useState<DatasetEntry[]>([]);
  const [technique, setTechnique] = useState<Technique | "">("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  // Start from ?model=<id>: the fine-tune against the model it was trained from.
  const seeded = useRef(false);
  useEffect(() => {
    if (seeded.current || !models.data) return;
    seeded.current = true;
    const m = models.data.find((x) => x.id === search.get("model"));
    if (m) setModelIds([m.parent?.id ?? "", m.id]);
  }, [models.data, search]);
  useEffect(() => {
    const first = datasets.data?.find((d) => d.latestVersion);
    if (first && entries.length === 0) {
      setEntries([{ key: nextKey++, datasetId: first.id, datasetVersionId: first.latestVersion!.id }]);
    }
  }, [datasets.data, entries.length]);

  const clear = (field: string) =>
    setErrors((e) => {
      if (!(field in e) && !("form" in e)) return e;
      const { [field]: _gone, form: _form, ...rest } = e;
      return rest;
    });

  const create = useMutation(
    trpc.evaluations.create.mutationOptions({
      onSuccess: (e) => router.push(`/t/${team}/evaluations/${e.id}`),
      onError: (err) => {
        const info = errorInfo(err);
        const errs: Record<string, string> = {};
        if (info.details?.field) errs[String(info.details.field)] = info.message;
        for (const issue of info.zodIssues ?? []) errs[issue.path.join(".")] ??= issue.message;
        if (!Object.keys(errs).length) errs.form = info.message;
        setErrors(errs);
      },
    }),
  );

  const submit = () => {
    const errs: Record<string, string> = {};
    modelIds.forEach((id, i) => {
      if (!id) errs[`models.${i}.modelId`] = i === 0 ? "Pick the reference model" : "Pick a model or remove the row";
    });
    if (Object.keys(errs).length) return setErrors(errs);
    setErrors({});
    create.mutate({
      name: name.trim() || undefined,
      models: modelIds.map((modelId) => ({ modelId })),
      datasetVersionIds: entries.map((e) => e.datasetVersionId).filter(Boolean),
      technique: technique || undefined,
    });
  };

  return {
    models,
    datasets,
    name,
    setName: (v: string) => (setName(v), clear("name")),
    modelIds,
    setModel: (i: number, id: string) => {
      setModelIds((ids) => ids.map((x, j) => (j === i ? id : x)));
      clear(`models.${i}.modelId`);
      clear("models");
    },
    addModel: () => setModelIds((ids) => (ids.length < MAX_MODELS ? [...ids, ""] : ids)),
    removeModel: (i: number) => {
      setModelIds((ids) => ids.filter((_, j) => j !== i));
      setErrors({});
    },
    entries,
    setEntry: (i: number, e: DatasetEntry) => {
      setEntries((es) => es.map((x, j) => (j === i ? e : x)));
      clear(`datasetVersionIds.${i}`);
      clear("datasetVersionIds");
    },
    addEntry: () => {
      const first = datasets.data?.find((d) => d.latestVersion);
      if (first) {
        setEntries((es) => [...es, { key: nextKey++, datasetId: first.id, datasetVersionId: first.latestVersion!.id }]);
      }
    },
    removeEntry: (i: number) => {
      setEntries((es) => es.filter((_, j) => j !== i));
      setErrors({});
    },
    technique,
    setTechnique: (t: Technique | "") => (setTechnique(t), clear("technique")),
    errors,
    submit,
    pending: create.isPending,
  };
}
