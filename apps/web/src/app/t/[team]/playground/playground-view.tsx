"use client";
/**
 * Try a model: a fine-tuned model (default: the team's newest) answers next to the model it was trained from (or
 * any other), both streamed token by token from the runners' inference process.
 */
import { useQuery } from "@tanstack/react-query";
import { MessagesSquare, Send, Sparkles, Square } from "lucide-react";
import { useEffect, useMemo, useState } from "react";
import {
  Alert,
  Button,
  ButtonLink,
  Card,
  EmptyState,
  Field,
  Input,
  PageHeader,
  Select,
  Skeleton,
  Textarea,
} from "@/components/ui";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";
import { GenerationPane } from "./generation-pane";
import { useGeneration, type Sampling } from "./use-generation";

type Model = RouterOutputs["baseModels"]["list"][number];

const DEFAULT_SAMPLING: Sampling = { temperature: 0.7, topP: 0.95, maxNewTokens: 256 };
const LIMITS = {
  temperature: { min: 0, max: 2, step: 0.1 },
  topP: { min: 0.05, max: 1, step: 0.05 },
  maxNewTokens: { min: 1, max: 4096, step: 1 },
} as const;

export function PlaygroundView({ team, initialModelId }: { team: string; initialModelId: string | null }) {
  const trpc = useTRPC();
  const models = useQuery(trpc.baseModels.list.queryOptions());
  const all = useMemo(() => models.data ?? [], [models.data]);
  const tuned = all.filter((m) => m.source === "artifact");
  // A link to a model the cached list does not hold yet (a job that succeeded seconds after the list was read, within
  // its staleTime): read the list again once before choosing, rather than saying there is no fine-tuned model.
  const [recheckedFor, setRecheckedFor] = useState<string | null>(null);
  const linkedUnknown = !!initialModelId && !!models.data && !models.data.some((m) => m.id === initialModelId);
  const recheck = linkedUnknown && recheckedFor !== initialModelId;
  const { refetch } = models;
  useEffect(() => {
    if (!recheck || !initialModelId) return;
    void refetch().finally(() => setRecheckedFor(initialModelId));
  }, [recheck, initialModelId, refetch]);

  const [modelId, setModelId] = useState<string | null>(null);
  const [compareId, setCompareId] = useState<string | null>(null);
  const [system, setSystem] = useState("");
  const [message, setMessage] = useState("");
  const [sampling, setSampling] = useState<Sampling>(DEFAULT_SAMPLING);
  const a = useGeneration(team);
  const b = useGeneration(team);

  // Once the models are known: the linked model or the newest fine-tune, next to the model it was trained from.
  useEffect(() => {
    if (modelId || !all.length || recheck) return;
    const first = all.find((m) => m.id === initialModelId) ?? all.find((m) => m.source === "artifact");
    if (!first) return;
    setModelId(first.id);
    setCompareId(first.parent?.id ?? null);
  }, [all, initialModelId, modelId, recheck]);

  const model = all.find((m) => m.id === modelId) ?? null;
  const compare = all.find((m) => m.id === compareId) ?? null;
  const running = [a.state.status, b.state.status].some((s) => s === "waiting" || s === "streaming");
  const samplingError = samplingProblem(sampling);
  const canSend = !!model && message.trim().length > 0 && !samplingError && !running;

  const send = () => {
    if (!canSend || !model) return;
    const input = { system, message, sampling };
    void b.run({ ...input, modelId: model.id });
    if (compare) void a.run({ ...input, modelId: compare.id });
  };
  const stop = () => {
    a.cancel();
    b.cancel();
  };

  if (models.isLoading || recheck) {
    return (
      <>
        <PageHeader title="Playground" />
        <Skeleton className="h-64 w-full" />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title="Playground"
        description="Ask a fine-tuned model and the model it was trained from the same thing, and watch both answer side by side."
      />
      {models.error && (
        <Alert className="mb-6" title="Could not load models">
          {errorInfo(models.error).message}
        </Alert>
      )}
      {!models.error && tuned.length === 0 && !model ? (
        <Card>
          <EmptyState
            testId="playground-empty"
            icon={Sparkles}
            title="Fine-tune a model first"
            description="The playground compares a model your team fine-tuned with the model it started from. When a job succeeds, its model shows up here."
            action={<ButtonLink href={`/t/${team}/jobs/new`}>Start a fine-tune</ButtonLink>}
          />
        </Card>
      ) : (
        <div data-testid="playground">
          <Card className="mb-6 p-5">
            <form
              onSubmit={(e) => {
                e.preventDefault();
                send();
              }}
              className="space-y-4"
            >
              <div className="grid gap-4 md:grid-cols-2">
                <Field label="Compare with" htmlFor="pg-compare" hint="Defaults to the model it was trained from.">
                  <ModelSelect
                    id="pg-compare"
                    testId="playground-compare-select"
                    models={all}
                    value={compareId}
                    onChange={setCompareId}
                    allowNone
                  />
                </Field>
                <Field label="Fine-tuned model" htmlFor="pg-model">
                  <ModelSelect
                    id="pg-model"
                    testId="playground-model-select"
                    models={all}
                    value={modelId}
                    onChange={(id) => {
                      setModelId(id);
                      setCompareId(all.find((m) => m.id === id)?.parent?.id ?? compareId);
                    }}
                  />
                </Field>
              </div>
              <Field label="System prompt" htmlFor="pg-system" hint="Optional; sent first, as the system message.">
                <Textarea
                  id="pg-system"
                  rows={2}
                  value={system}
                  onChange={(e) => setSystem(e.target.value)}
                  placeholder="You answer for Northwind's customer support."
                  data-testid="playground-system"
                />
              </Field>
              <Field label="Message" htmlFor="pg-message">
                <Textarea
                  id="pg-message"
                  rows={3}
                  value={message}
                  onChange={(e) => setMessage(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) {
                      e.preventDefault();
                      send();
                    }
                  }}
                  placeholder="Ask something your dataset teaches…"
                  data-testid="playground-message"
                />
              </Field>
              <div className="flex flex-wrap items-end gap-4">
                <SamplingInput
                  name="temperature"
                  label="Temperature"
                  value={sampling.temperature}
                  onChange={(v) => setSampling({ ...sampling, temperature: v })}
                />
                <SamplingInput
                  name="topP"
                  label="Top-p"
                  value={sampling.topP}
                  onChange={(v) => setSampling({ ...sampling, topP: v })}
                />
                <SamplingInput
                  name="maxNewTokens"
                  label="Max new tokens"
                  value={sampling.maxNewTokens}
                  onChange={(v) => setSampling({ ...sampling, maxNewTokens: v })}
                />
                <div className="ml-auto flex items-center gap-2">
                  {running && (
                    <Button type="button" variant="secondary" onClick={stop} data-testid="playground-stop">
                      <Square className="size-3.5" aria-hidden /> Stop
                    </Button>
                  )}
                  <Button type="submit" disabled={!canSend} loading={running} data-testid="playground-send">
                    {!running && <Send className="size-4" aria-hidden />} Send
                  </Button>
                </div>
              </div>
              {samplingError && (
                <p className="text-xs font-medium text-red-600" data-testid="field-error">
                  {samplingError}
                </p>
              )}
            </form>
          </Card>
          <div className="grid gap-6 lg:grid-cols-2">
            <GenerationPane side="a" role="Compared with" modelName={compare?.name ?? null} state={a.state} />
            <GenerationPane side="b" role="Fine-tuned" modelName={model?.name ?? null} state={b.state} />
          </div>
          {!compare && (
            <p className="mt-3 flex items-center gap-1.5 text-xs text-zinc-500">
              <MessagesSquare className="size-3.5" aria-hidden /> Pick a model to compare with to fill the left pane.
            </p>
          )}
        </div>
      )}
    </>
  );
}

function samplingProblem(s: Sampling): string | null {
  for (const k of Object.keys(LIMITS) as (keyof Sampling)[]) {
    const { min, max } = LIMITS[k];
    if (!Number.isFinite(s[k]) || s[k] < min || s[k] > max) return `${k} must be between ${min} and ${max}`;
  }
  if (!Number.isInteger(s.maxNewTokens)) return "maxNewTokens must be a whole number";
  return null;
}

function SamplingInput({
  name,
  label,
  value,
  onChange,
}: {
  name: keyof Sampling;
  label: string;
  value: number;
  onChange: (v: number) => void;
}) {
  const { min, max, step } = LIMITS[name];
  return (
    <Field label={label} htmlFor={`pg-${name}`} className="w-36">
      <Input
        id={`pg-${name}`}
        type="number"
        min={min}
        max={max}
        step={step}
        value={Number.isNaN(value) ? "" : value}
        onChange={(e) => onChange(e.target.valueAsNumber)}
        invalid={!Number.isFinite(value) || value < min || value > max}
        data-testid={`sampling-${name}`}
      />
    </Field>
  );
}

function ModelSelect({
  id,
  testId,
  models,
  value,
  onChange,
  allowNone,
}: {
  id: string;
  testId: string;
  models: Model[];
  value: string | null;
  onChange: (id: string) => void;
  allowNone?: boolean;
}) {
  const tuned = models.filter((m) => m.source === "artifact");
  const base = models.filter((m) => m.source !== "artifact");
  return (
    <Select id={id} value={value ?? ""} onChange={(e) => onChange(e.target.value)} data-testid={testId}>
      {allowNone && <option value="">None</option>}
      {!allowNone && !value && <option value="">Choose a model</option>}
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
