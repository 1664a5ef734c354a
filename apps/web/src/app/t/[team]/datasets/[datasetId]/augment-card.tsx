"use client";
/**
 * Augmentation of the version shown: start one (perturbations for classification, or a model of the team writing new
 * examples), follow it to the new version, and — on an augmented version — "Did it help?": two training jobs with the
 * same settings and seed, without and with the new rows, and their evaluations side by side.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { AugmentedDerivation } from "@whetstone/core";
import { Wand2 } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Alert, Badge, Button, Card, CardBody, CardHeader, Field, Input, Progress, Select } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { CancelAugmentationButton } from "./cancel-augmentation-button";

/** The model select's value for the admin-configured endpoint. */
const ENDPOINT = "__endpoint__";

const METHOD_WORDS: Record<string, string> = {
  word_dropout: "word dropout",
  word_swap: "word swaps",
  paraphrase: "paraphrased questions",
  new_text_for_label: "new texts for a label",
};

export function AugmentCard({
  team,
  datasetId,
  versionId,
  format,
  rows,
}: {
  team: string;
  datasetId: string;
  versionId: string;
  format: string;
  rows: number;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const canPerturb = format === "classification";
  const canGenerate = format !== "text";
  const [method, setMethod] = useState<"perturb" | "generate">(canPerturb ? "perturb" : "generate");
  const [target, setTarget] = useState(String(Math.min(1000, Math.max(10, rows))));
  const [modelId, setModelId] = useState("");
  const models = useQuery({ ...trpc.baseModels.list.queryOptions(), enabled: method === "generate" });
  // The instance's OpenAI-compatible endpoint, offered only once an admin configured it.
  const endpoint = useQuery({
    ...trpc.augmentations.generatorAvailability.queryOptions(),
    enabled: method === "generate",
  });
  const list = useQuery({
    ...trpc.augmentations.list.queryOptions({ id: versionId }),
    refetchInterval: (q) => (q.state.data?.some((a) => a.state === "queued" || a.state === "running") ? 2000 : false),
  });
  const latest = list.data?.[0];
  const create = useMutation(
    trpc.augmentations.create.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.augmentations.list.queryKey({ id: versionId }) }),
    }),
  );
  // The version is made with the runner's success: the list shows it as soon as the augmentation succeeded.
  const resultVersionId = latest?.resultVersionId;
  // The new version belongs in the page's list of versions (and the job form's).
  useEffect(() => {
    if (!resultVersionId) return;
    void qc.invalidateQueries({ queryKey: trpc.datasets.get.queryKey({ id: datasetId }) });
    void qc.invalidateQueries({ queryKey: trpc.datasets.list.queryKey() });
  }, [resultVersionId, datasetId, qc, trpc]);
  if (!canGenerate) return null;
  return (
    <Card className="mt-6" data-testid="augment-card">
      <CardHeader
        title="Augment"
        description="More rows for a small dataset. Every new row records its source row and how it was made; new rows never enter validation or test splits, and near copies of existing rows are dropped."
      />
      <CardBody className="space-y-4">
        <div className="grid gap-3 sm:grid-cols-[15rem_8rem_1fr_auto] sm:items-end">
          <Field label="Method" htmlFor="aug-method">
            <Select
              id="aug-method"
              value={method}
              onChange={(e) => setMethod(e.target.value as "perturb" | "generate")}
              data-testid="augment-method"
            >
              {canPerturb && <option value="perturb">Perturb text (cheap)</option>}
              <option value="generate">Generate with a model</option>
            </Select>
          </Field>
          <Field label="New rows (at most)" htmlFor="aug-target">
            <Input
              id="aug-target"
              type="number"
              min={1}
              value={target}
              onChange={(e) => setTarget(e.target.value)}
              data-testid="augment-target"
            />
          </Field>
          {method === "generate" ? (
            <Field label="Model" htmlFor="aug-model">
              <Select
                id="aug-model"
                value={modelId}
                onChange={(e) => setModelId(e.target.value)}
                data-testid="augment-model"
              >
                <option value="">Choose a model…</option>
                {endpoint.data?.configured && (
                  <option value={ENDPOINT}>Endpoint: {endpoint.data.model} (configured by an admin)</option>
                )}
                {models.data?.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </Select>
              {endpoint.data && !endpoint.data.configured && (
                <p className="mt-1 text-[12px] text-zinc-500" data-testid="augment-endpoint-empty">
                  No external endpoint: an instance admin must configure an OpenAI-compatible one (admin console →
                  Generator endpoint) before rows can be generated with it.
                </p>
              )}
            </Field>
          ) : (
            <p className="text-[13px] text-zinc-500">
              Word dropout and swaps of neighbouring words, from each seed row.
            </p>
          )}
          <Button
            loading={create.isPending}
            onClick={() =>
              create.mutate({
                id: versionId,
                method,
                targetRows: Number(target),
                ...(method === "generate" && modelId === ENDPOINT ? { generatorEndpoint: true } : {}),
                ...(method === "generate" && modelId && modelId !== ENDPOINT ? { generatorModelId: modelId } : {}),
              })
            }
            data-testid="augment-start"
          >
            <Wand2 className="size-4" aria-hidden /> Augment
          </Button>
        </div>
        {create.error && (
          <Alert title="Not started" testId="augment-error">
            {errorInfo(create.error).message}
          </Alert>
        )}
        {latest && (
          <div
            className="rounded-xl border border-zinc-200 p-3 text-[13px]"
            data-testid="augmentation"
            data-state={latest.state}
          >
            <div className="flex items-center justify-between gap-3">
              <span>
                {latest.method === "perturb" ? "Perturbation" : "Generation"}: {formatNumber(latest.rowsDone)} of{" "}
                {formatNumber(latest.rowsTotal ?? 0)} rows
              </span>
              <span className="flex items-center gap-2">
                {(latest.state === "queued" || latest.state === "running") && (
                  <CancelAugmentationButton id={latest.id} versionId={versionId} />
                )}
                <Badge tone={latest.state === "succeeded" ? "green" : latest.state === "failed" ? "red" : "blue"}>
                  {latest.state}
                </Badge>
              </span>
            </div>
            {(latest.state === "queued" || latest.state === "running") && (
              <Progress className="mt-2" value={latest.rowsTotal ? latest.rowsDone / latest.rowsTotal : null} />
            )}
            {latest.error && <p className="mt-2 text-red-700">{latest.error}</p>}
            {resultVersionId && (
              <Link
                className="mt-2 inline-block font-medium text-accent-700 underline"
                href={`/t/${team}/datasets/${datasetId}?version=${resultVersionId}`}
                data-testid="augmented-version-link"
              >
                Open the augmented version
              </Link>
            )}
          </div>
        )}
      </CardBody>
    </Card>
  );
}

/** On an augmented version: what was added, and "Did it help?". */
export function AugmentedNote({
  team,
  datasetId,
  derivation,
}: {
  team: string;
  datasetId: string;
  derivation: AugmentedDerivation;
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const a = useQuery({
    ...trpc.augmentations.get.queryOptions({ id: derivation.augmentationId }),
    refetchInterval: (q) =>
      q.state.data?.comparison?.some(
        (c) => !c.evaluation || !["succeeded", "failed", "cancelled"].includes(String(c.evaluation.state)),
      )
        ? 5000
        : false,
  });
  const models = useQuery(trpc.baseModels.list.queryOptions());
  const [modelId, setModelId] = useState("");
  const compare = useMutation(
    trpc.augmentations.compare.mutationOptions({
      onSuccess: () =>
        void qc.invalidateQueries({ queryKey: trpc.augmentations.get.queryKey({ id: derivation.augmentationId }) }),
    }),
  );
  const added = Object.entries(derivation.added);
  const technique = Object.keys(derivation.added).some((k) => k === "paraphrase") ? "sft" : "classification";
  return (
    <Card className="mt-6" data-testid="augmented-note">
      <CardHeader
        title={`Augmented from v${derivation.sourceVersion}`}
        description={
          <>
            <Link className="underline" href={`/t/${team}/datasets/${datasetId}?version=${derivation.sourceVersionId}`}>
              v{derivation.sourceVersion}
            </Link>
            {`'s ${formatNumber(derivation.rowsBefore)} rows, then ${added.map(([k, n]) => `${formatNumber(n)} ${METHOD_WORDS[k] ?? k}`).join(", ")}`}
            {derivation.droppedNearDuplicates > 0 &&
              ` (${formatNumber(derivation.droppedNearDuplicates)} near copies dropped)`}
            .
          </>
        }
      />
      <CardBody className="space-y-3">
        <h3 className="text-sm font-semibold text-zinc-900">Did it help?</h3>
        {a.data?.comparison ? (
          <div className="grid gap-3 sm:grid-cols-2" data-testid="did-it-help">
            {a.data.comparison.map((c) => {
              const ev = c.evaluation as { id?: string; state?: string; summary?: { headline?: string } | null } | null;
              return (
                <div
                  key={c.arm}
                  className="rounded-xl border border-zinc-200 p-3 text-[13px]"
                  data-testid={`did-it-help-${c.arm}`}
                >
                  <div className="font-medium text-zinc-900">
                    {c.arm === "with" ? "With the new rows" : "Without them"}
                  </div>
                  {c.job && (
                    <Link className="text-accent-700 underline" href={`/t/${team}/jobs/${c.job.id}`}>
                      {c.job.name}
                    </Link>
                  )}
                  <div className="mt-1 text-zinc-600">
                    {ev?.summary?.headline ??
                      (ev ? `Evaluation ${ev.state}` : c.job ? `Training: ${c.job.state}` : "Job deleted")}
                  </div>
                  {ev?.id && (
                    <Link className="text-xs text-zinc-500 underline" href={`/t/${team}/evaluations/${ev.id}`}>
                      Evaluation report
                    </Link>
                  )}
                </div>
              );
            })}
          </div>
        ) : (
          <div className="flex flex-wrap items-end gap-3">
            <p className="w-full text-[13px] text-zinc-600">
              Trains twice with the same settings and seed — on v{derivation.sourceVersion} and on this version — and
              shows both evaluations here. Both hold out the same test rows.
            </p>
            <Field label="Base model" htmlFor="cmp-model">
              <Select
                id="cmp-model"
                value={modelId}
                onChange={(e) => setModelId(e.target.value)}
                data-testid="compare-model"
              >
                <option value="">Choose a model…</option>
                {models.data
                  ?.filter((m) => m.source !== "artifact")
                  .map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                    </option>
                  ))}
              </Select>
            </Field>
            <Button
              variant="secondary"
              disabled={!modelId}
              loading={compare.isPending}
              onClick={() =>
                compare.mutate({
                  id: derivation.augmentationId,
                  baseModelId: modelId,
                  technique,
                })
              }
              data-testid="compare-start"
            >
              Train both
            </Button>
          </div>
        )}
        {compare.error && (
          <Alert title="Not started" testId="compare-error">
            {errorInfo(compare.error).message}
          </Alert>
        )}
      </CardBody>
    </Card>
  );
}
