"use client";
/**
 * The new-project form's state and its create call. The API's errors are keyed by the field they name
 * (`details.field`: `poolVersionId`, `labels.1.name`, `hyperparameters.maxSteps`…, or a zod issue's path) so each
 * shows under its own field; anything else shows above the submit button.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { FORMATS_FOR_TECHNIQUE } from "@whetstone/core";
import type { ActiveLearningTask } from "@whetstone/queue";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { DEFAULT_STRATEGY } from "../_components/strategies";

export interface LabelDraft {
  key: number;
  name: string;
  description: string;
}
export const HP_FIELDS = ["epochs", "maxSteps", "learningRate", "maxSeqLength"] as const;
export type HpField = (typeof HP_FIELDS)[number];

let nextKey = 1;
const blankLabel = (): LabelDraft => ({ key: nextKey++, name: "", description: "" });

/** Dataset formats a project's held-out set and seed may have. */
export const labelledFormats = (task: ActiveLearningTask): readonly string[] =>
  FORMATS_FOR_TECHNIQUE[task === "classification" ? "classification" : "sft"];

export function useProjectForm(team: string) {
  const trpc = useTRPC();
  const router = useRouter();
  const models = useQuery(trpc.baseModels.list.queryOptions());
  const datasets = useQuery(trpc.datasets.list.queryOptions());

  const [name, setName] = useState("");
  const [task, setTaskState] = useState<ActiveLearningTask>("classification");
  const [labels, setLabels] = useState<LabelDraft[]>(() => [blankLabel(), blankLabel()]);
  const [baseModelId, setBaseModelId] = useState("");
  const [poolVersionId, setPool] = useState("");
  const [heldOutVersionId, setHeldOut] = useState("");
  const [seedVersionId, setSeed] = useState("");
  const [strategy, setStrategy] = useState<string>(DEFAULT_STRATEGY.classification);
  const [batchSize, setBatchSize] = useState("20");
  const [trainFrom, setTrainFrom] = useState<"previous" | "base">("previous");
  const [hp, setHp] = useState<Record<HpField, string>>({
    epochs: "",
    maxSteps: "",
    learningRate: "",
    maxSeqLength: "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (!baseModelId && models.data?.length) {
      setBaseModelId((models.data.find((m) => m.source !== "artifact") ?? models.data[0]!).id);
    }
  }, [models.data, baseModelId]);

  const clear = (...fields: string[]) =>
    setErrors((e) => {
      const rest = { ...e };
      for (const f of [...fields, "form"]) delete rest[f];
      return rest;
    });

  const create = useMutation(
    trpc.activeLearning.createProject.mutationOptions({
      onSuccess: (p) => router.push(`/t/${team}/active-learning/${p.id}`),
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
    if (!name.trim()) errs.name = "Name the project";
    if (!poolVersionId) errs.poolVersionId = "Pick the unlabelled pool";
    if (!heldOutVersionId) errs.heldOutVersionId = "Pick the held-out set";
    if (!baseModelId) errs.baseModelId = "Pick a base model";
    if (task === "classification") {
      labels.forEach((l, i) => {
        if (!l.name.trim()) errs[`labels.${i}.name`] = "Name the label or remove it";
      });
    }
    if (Object.keys(errs).length) return setErrors(errs);
    setErrors({});
    const hyperparameters = Object.fromEntries(
      HP_FIELDS.filter((k) => hp[k].trim() !== "").map((k) => [k, Number(hp[k])]),
    );
    create.mutate({
      name: name.trim(),
      task,
      labels:
        task === "classification"
          ? labels.map((l) => ({
              name: l.name.trim(),
              ...(l.description.trim() ? { description: l.description } : {}),
            }))
          : undefined,
      baseModelId,
      poolVersionId,
      heldOutVersionId,
      seedVersionId: seedVersionId || undefined,
      strategy: strategy as never,
      batchSize: Number(batchSize),
      trainFrom,
      hyperparameters,
    });
  };

  return {
    models,
    datasets,
    errors,
    pending: create.isPending,
    submit,
    name,
    setName: (v: string) => (setName(v), clear("name")),
    task,
    setTask: (t: ActiveLearningTask) => {
      setTaskState(t);
      setStrategy(DEFAULT_STRATEGY[t]);
      setHeldOut("");
      setSeed("");
      setErrors({});
    },
    labels,
    setLabel: (i: number, l: LabelDraft) => {
      setLabels((ls) => ls.map((x, j) => (j === i ? l : x)));
      clear(`labels.${i}.name`, `labels.${i}.description`, "labels");
    },
    addLabel: () => setLabels((ls) => [...ls, blankLabel()]),
    removeLabel: (i: number) => {
      setLabels((ls) => ls.filter((_, j) => j !== i));
      setErrors({});
    },
    baseModelId,
    setBaseModelId: (v: string) => (setBaseModelId(v), clear("baseModelId")),
    poolVersionId,
    setPool: (v: string) => (setPool(v), clear("poolVersionId")),
    heldOutVersionId,
    setHeldOut: (v: string) => (setHeldOut(v), clear("heldOutVersionId")),
    seedVersionId,
    setSeed: (v: string) => (setSeed(v), clear("seedVersionId")),
    strategy,
    setStrategy: (v: string) => (setStrategy(v), clear("strategy")),
    batchSize,
    setBatchSize: (v: string) => (setBatchSize(v), clear("batchSize", "maxCandidates")),
    trainFrom,
    setTrainFrom,
    hp,
    setHp: (k: HpField, v: string) => (setHp((h) => ({ ...h, [k]: v })), clear(`hyperparameters.${k}`)),
  };
}
export type ProjectForm = ReturnType<typeof useProjectForm>;
