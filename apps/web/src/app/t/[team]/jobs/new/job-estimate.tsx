"use client";
/**
 * The job form's estimate: GPU memory by term (a stacked bar), duration from the datasets' tokens, whether a
 * registered runner has the memory, and every assumption behind the numbers. Asks `jobs.estimate` (a mutation:
 * it takes the whole spec) a moment after the last change; a late answer for an older spec is dropped.
 */
import { useMutation } from "@tanstack/react-query";
import { jobSpecSchema, type GradientCheckpointingChoice } from "@whetstone/core";
import { CheckCircle2, ChevronDown, Clock, Cpu, Loader2, MemoryStick, XCircle } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Card, CardBody, CardHeader, cn } from "@/components/ui";
import { formatCompact, formatDuration } from "@/lib/format";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";
import { CheckpointingChoice } from "./checkpointing-choice";

type Estimate = RouterOutputs["jobs"]["estimate"];
type Term = keyof Omit<NonNullable<Estimate["vramBytes"]>, "total">;

const DEBOUNCE_MS = 400;
const GB = 1024 ** 3;

const TERMS: { key: Term; label: string; color: string }[] = [
  { key: "weights", label: "Weights", color: "bg-accent-500" },
  { key: "trainableParams", label: "Trainable parameters", color: "bg-violet-400" },
  { key: "gradients", label: "Gradients", color: "bg-sky-400" },
  { key: "optimizerState", label: "Optimizer state", color: "bg-amber-400" },
  { key: "activations", label: "Activations", color: "bg-emerald-400" },
  { key: "overhead", label: "Overhead", color: "bg-zinc-300" },
];

/** GPU memory as on a spec sheet: "14.2 GB", "512 MB". */
export function formatGpuBytes(n: number): string {
  if (n >= GB) return `${(n / GB).toFixed(n >= 100 * GB ? 0 : 1)} GB`;
  return `${Math.max(1, Math.round(n / 1024 ** 2))} MB`;
}
const formatMb = (mb: number) => formatGpuBytes(mb * 1024 ** 2);

/** The GPU the duration assumes, from the estimator's throughput assumption ("Throughput: A100 80GB, …"). */
function assumedGpu(assumptions: string[]): string | null {
  for (const a of assumptions) {
    const m = /^Throughput:\s*([^,]+),/.exec(a);
    if (m) return m[1]!.replace(/^NVIDIA\s+(GeForce\s+)?/, "").trim();
  }
  return null;
}

function useDebouncedEstimate(spec: unknown) {
  const trpc = useTRPC();
  const estimate = useMutation(trpc.jobs.estimate.mutationOptions());
  const [result, setResult] = useState<{ data: Estimate | null; error: string | null }>({ data: null, error: null });
  const [waiting, setWaiting] = useState(false);
  const seq = useRef(0);
  const parsed = jobSpecSchema.safeParse(spec);
  // Only what changes the estimate: not the name or priority.
  const key = parsed.success
    ? JSON.stringify({
        b: parsed.data.baseModelId,
        m: parsed.data.method,
        t: parsed.data.technique,
        d: parsed.data.datasets,
        h: parsed.data.hyperparameters,
      })
    : null;
  const mutate = estimate.mutateAsync;

  useEffect(() => {
    if (!key || !parsed.success) return;
    const mine = ++seq.current;
    setWaiting(true);
    const timer = setTimeout(() => {
      mutate(parsed.data)
        .then((data) => mine === seq.current && setResult({ data, error: null }))
        .catch((e: unknown) => mine === seq.current && setResult({ data: null, error: errorInfo(e).message }))
        .finally(() => mine === seq.current && setWaiting(false));
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key, mutate]); // the key is the spec's content; parsed.data is read from the render that made it

  return { ...result, waiting, valid: parsed.success };
}

export function JobEstimate({
  spec,
  checkpointing,
  onCheckpointingChange,
}: {
  spec: unknown;
  checkpointing: GradientCheckpointingChoice;
  onCheckpointingChange: (v: GradientCheckpointingChoice) => void;
}) {
  const { data, error, waiting, valid } = useDebouncedEstimate(spec);
  const [open, setOpen] = useState(false);
  const v = data?.vramBytes ?? null;
  const fit = data?.largestRunner ?? null;
  const gpu = data ? assumedGpu(data.assumptions) : null;

  return (
    <Card data-testid="job-estimate" data-state={waiting ? "loading" : data ? "ready" : error ? "error" : "idle"}>
      <CardHeader
        title="Estimate"
        description="Before launch, from the model and your data."
        action={
          waiting ? (
            <Loader2 className="size-4 animate-spin text-zinc-400" aria-label="Updating the estimate" />
          ) : undefined
        }
      />
      <CardBody className={cn("space-y-4 transition-opacity", waiting && data && "opacity-60")}>
        {!data && !error && (
          <p className="text-[13px] text-zinc-500">
            {valid ? "Estimating…" : "Fill in the form to see the GPU memory and time this job needs."}
          </p>
        )}
        {error && (
          <p className="text-[13px] text-red-600" data-testid="job-estimate-error">
            {error}
          </p>
        )}

        {data && !data.estimated && (
          <p className="text-[13px] text-zinc-600">
            No estimate for <span className="font-medium">{data.model.name}</span>: its size is unknown. The job is not
            checked against the runners&apos; memory.
          </p>
        )}

        {data && v && (
          <>
            <div className="grid grid-cols-2 gap-3">
              <div>
                <div className="flex items-center gap-1.5 text-xs font-medium text-zinc-500">
                  <MemoryStick className="size-3.5" aria-hidden /> GPU memory
                </div>
                <div
                  className="tabular mt-1 text-xl font-semibold tracking-tight text-zinc-900"
                  data-testid="job-estimate-total"
                >
                  {formatGpuBytes(v.total)}
                </div>
                <div className="text-[11px] text-zinc-500" data-testid="job-estimate-per-gpu">
                  {formatMb(data.requiredVramMb)} with margin
                  {data.gpus.count > 1 &&
                    ` per GPU · ${data.gpus.count} GPUs, ${data.gpus.parallelism === "fsdp" ? "sharded (FSDP)" : "DDP"}`}
                </div>
              </div>
              <div>
                <div className="flex items-center gap-1.5 text-xs font-medium text-zinc-500">
                  <Clock className="size-3.5" aria-hidden /> Duration
                </div>
                <div
                  className="tabular mt-1 text-xl font-semibold tracking-tight text-zinc-900"
                  data-testid="job-estimate-duration"
                >
                  {data.durationSeconds == null
                    ? "—"
                    : `~${formatDuration(Math.max(1000, data.durationSeconds * 1000))}`}
                </div>
                <div className="truncate text-[11px] text-zinc-500" title={gpu ?? undefined}>
                  {gpu ? `on one ${gpu}` : "one GPU"}
                  {data.tokensTotal != null && ` · ${formatCompact(data.tokensTotal)} tokens`}
                </div>
              </div>
            </div>

            <div>
              <div
                className="flex h-2.5 w-full overflow-hidden rounded-full bg-zinc-100"
                role="img"
                aria-label={`GPU memory: ${TERMS.map((t) => `${t.label} ${formatGpuBytes(v[t.key])}`).join(", ")}`}
                data-testid="job-estimate-bar"
              >
                {TERMS.map((t) =>
                  v[t.key] > 0 ? (
                    <span
                      key={t.key}
                      className={cn("h-full border-r border-white last:border-r-0", t.color)}
                      style={{ width: `${(v[t.key] / v.total) * 100}%` }}
                      title={`${t.label}: ${formatGpuBytes(v[t.key])}`}
                    />
                  ) : null,
                )}
              </div>
              <dl className="mt-3 space-y-1 text-xs" data-testid="job-estimate-breakdown">
                {TERMS.map((t) => (
                  <div key={t.key} className="flex items-center gap-2" data-testid={`job-estimate-${t.key}`}>
                    <span className={cn("size-2 shrink-0 rounded-sm", t.color)} aria-hidden />
                    <dt className="flex-1 text-zinc-600">{t.label}</dt>
                    <dd className="tabular font-medium text-zinc-800">{formatGpuBytes(v[t.key])}</dd>
                  </div>
                ))}
                <div className="flex items-center gap-2 border-t border-zinc-100 pt-1.5">
                  <span className="size-2 shrink-0" aria-hidden />
                  <dt className="flex-1 font-medium text-zinc-700">Total</dt>
                  <dd className="tabular font-semibold text-zinc-900">{formatGpuBytes(v.total)}</dd>
                </div>
              </dl>
            </div>

            {data.checkpointing && data.gradientCheckpointing != null && (
              <CheckpointingChoice
                value={checkpointing}
                onChange={onCheckpointingChange}
                on={data.gradientCheckpointing}
                tradeoff={data.checkpointing}
                gpu={fit?.name ?? gpu}
              />
            )}
          </>
        )}

        {data && data.estimated && (
          <div data-testid="job-estimate-fit" data-fits={fit ? String(fit.fits) : "unchecked"}>
            {fit == null ? (
              <div className="flex items-start gap-2 rounded-lg bg-zinc-50 px-3 py-2 text-xs text-zinc-600">
                <Cpu className="mt-0.5 size-3.5 shrink-0 text-zinc-400" aria-hidden />
                No GPU runner is registered: memory is not checked.
              </div>
            ) : fit.fits ? (
              <div className="flex items-start gap-2 rounded-lg bg-emerald-50 px-3 py-2 text-xs text-emerald-800">
                <CheckCircle2 className="mt-0.5 size-3.5 shrink-0" aria-hidden />
                <span>
                  Fits <span className="font-medium">{fit.name}</span> ({formatMb(fit.vramMb)})
                </span>
              </div>
            ) : (
              <div
                role="alert"
                className="flex items-start gap-2 rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-xs text-red-800"
              >
                <XCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
                <span>
                  <span className="font-semibold">Fits no registered runner.</span> Needs{" "}
                  {formatMb(data.requiredVramMb)}; the largest, {fit.name}, has {formatMb(fit.vramMb)}. Try QLoRA, a
                  shorter sequence length or a smaller batch.
                </span>
              </div>
            )}
          </div>
        )}

        {data && data.assumptions.length > 0 && (
          <div className="border-t border-zinc-100 pt-3">
            <button
              type="button"
              onClick={() => setOpen((o) => !o)}
              aria-expanded={open}
              className="inline-flex items-center gap-1.5 text-xs font-medium text-zinc-600 hover:text-zinc-900"
              data-testid="toggle-estimate-assumptions"
            >
              <ChevronDown className={cn("size-3.5 transition-transform", open && "rotate-180")} aria-hidden />
              {data.assumptions.length} assumptions
            </button>
            {open && (
              <ul
                className="mt-2 max-h-64 list-disc space-y-1.5 overflow-y-auto pr-1 pl-4 text-[11px] leading-relaxed text-zinc-500"
                data-testid="job-estimate-assumptions"
              >
                {data.assumptions.map((a, i) => (
                  <li key={i}>{a}</li>
                ))}
              </ul>
            )}
          </div>
        )}
      </CardBody>
    </Card>
  );
}
