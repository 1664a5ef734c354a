/**
 * The estimate's gradient-checkpointing line: what the job runs with (the user's choice, or what "auto" picked from
 * the memory fit), the trade-off in plain words, and Auto / On / Off to override it.
 */
import { HYPERPARAMETER_FIELDS, type GradientCheckpointingChoice } from "@whetstone/core";
import { Layers } from "lucide-react";
import { cn } from "@/components/ui";
import type { RouterOutputs } from "@/lib/trpc";

type Tradeoff = NonNullable<RouterOutputs["jobs"]["estimate"]["checkpointing"]>;

const GB = 1024 ** 3;
const gb = (bytes: number) => `${(bytes / GB).toFixed(bytes >= 10 * GB ? 0 : 1)} GB`;
const FIELD = HYPERPARAMETER_FIELDS.gradientCheckpointing;

/** "saves ~36 GB, ~50% slower" after "On", and why: what the form says about the choice. */
export function checkpointingSummary(on: boolean, t: Tradeoff, gpu: string | null): { detail: string; why: string } {
  const saves = `~${gb(Math.max(0, t.savedBytes))}`;
  const slower = `~${Math.round(t.slowdown * 100)}% slower`;
  const where = t.gpuMemoryBytes ? `${gpu ? `${gpu}'s ` : ""}${gb(t.gpuMemoryBytes)}` : null;
  const detail = on ? `saves ${saves}, ${slower}` : `faster; on would save ${saves} and be ${slower}`;
  let why: string;
  if (t.auto && on)
    why = where ? `Chosen automatically: without it the job does not fit ${where}.` : "Chosen automatically.";
  else if (t.auto) why = where ? `Chosen automatically: the job fits ${where} without it.` : "Chosen automatically.";
  else if (!on && t.fitsWithout === false)
    why = `Your choice — without it the job does not fit ${where ?? "the GPU"}: choose Auto or On.`;
  else why = "Your choice.";
  return { detail, why };
}

export function CheckpointingChoice({
  value,
  onChange,
  on,
  tradeoff,
  gpu,
}: {
  value: GradientCheckpointingChoice;
  onChange: (v: GradientCheckpointingChoice) => void;
  on: boolean;
  tradeoff: Tradeoff;
  gpu: string | null;
}) {
  const { detail, why } = checkpointingSummary(on, tradeoff, gpu);
  const warn = !on && tradeoff.fitsWithout === false;
  return (
    <div
      className="rounded-lg border border-zinc-200 px-3 py-2.5"
      data-testid="job-estimate-checkpointing"
      data-on={String(on)}
      data-choice={String(value)}
    >
      <div className="flex items-center justify-between gap-2">
        <div className="flex items-center gap-1.5 text-xs font-medium text-zinc-700">
          <Layers className="size-3.5 text-zinc-400" aria-hidden /> {FIELD.label}
        </div>
        <div role="radiogroup" aria-label={FIELD.label} className="inline-flex rounded-md bg-zinc-100 p-0.5">
          {FIELD.options.map((o) => {
            const selected = value === o.value;
            return (
              <button
                key={String(o.value)}
                type="button"
                role="radio"
                aria-checked={selected}
                onClick={() => onChange(o.value as GradientCheckpointingChoice)}
                className={cn(
                  "rounded px-2 py-0.5 text-[11px] font-medium",
                  selected ? "bg-white text-zinc-900 shadow-sm" : "text-zinc-500 hover:text-zinc-800",
                )}
                data-testid={`checkpointing-${String(o.value)}`}
              >
                {o.label}
              </button>
            );
          })}
        </div>
      </div>
      <p className="mt-1.5 text-xs text-zinc-800" data-testid="job-estimate-checkpointing-headline">
        <span className="font-medium">{on ? "On" : "Off"}</span> — {detail}
      </p>
      <p className={cn("mt-0.5 text-[11px]", warn ? "text-red-700" : "text-zinc-500")}>{why}</p>
    </div>
  );
}
