"use client";
/** The actions and progress of each step of the loop (NextStepCard shows the one that applies). */
import { useMutation, type UseMutationResult } from "@tanstack/react-query";
import { Keyboard, Loader2, RefreshCw, Shuffle, XCircle } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { Button, ButtonLink, Progress, Select, StateBadge } from "@/components/ui";
import { formatNumber } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import {
  batchProgress,
  SELECTION_STRATEGIES,
  STRATEGY_HELP,
  strategyLabel,
  type Project,
  type Round,
} from "../_components/strategies";

const READ_ONLY = "Viewers have read-only access";

export function PickStep(p: { project: Project; canWrite: boolean; onChange: () => void; evaluating?: Round }) {
  const trpc = useTRPC();
  const [strategy, setStrategy] = useState("");
  const start = useMutation(trpc.activeLearning.startRound.mutationOptions({ onSuccess: p.onChange }));
  const first = p.project.rounds.length === 0 && !p.project.seed;
  const chosen = strategy || (first ? "kcenter" : p.project.strategy);
  return (
    <div>
      {p.evaluating && (
        <p className="mb-3 flex items-center gap-2 text-sm text-zinc-600" data-testid="evaluating-note">
          <Loader2 className="size-4 animate-spin text-accent-600" aria-hidden />
          Round {p.evaluating.number}&apos;s model is being scored on the held-out set; its point joins the curve when
          it is done. You can pick the next batch meanwhile.
        </p>
      )}
      <p className="text-sm text-zinc-700">
        {first
          ? `Nothing is labelled yet: the first ${p.project.batchSize} rows are picked for variety, so the first model sees the whole pool.`
          : `The newest model ranks the ${formatNumber(p.project.pool.rows)}-row pool and hands out the ${p.project.batchSize} rows it learns most from.`}
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <div className="w-64">
          <Select
            aria-label="Strategy for this batch"
            value={strategy}
            onChange={(e) => setStrategy(e.target.value)}
            disabled={!p.canWrite}
            data-testid="pick-strategy"
          >
            <option value="">{strategyLabel(first ? "kcenter" : p.project.strategy)} (default)</option>
            {SELECTION_STRATEGIES[p.project.task].map((s) => (
              <option key={s} value={s}>
                {strategyLabel(s)}
              </option>
            ))}
          </Select>
        </div>
        <Button
          onClick={() => start.mutate({ projectId: p.project.id, strategy: (strategy || undefined) as never })}
          loading={start.isPending}
          disabled={!p.canWrite}
          title={p.canWrite ? undefined : READ_ONLY}
          data-testid="pick-batch"
        >
          <Shuffle className="size-4" aria-hidden /> Pick next batch
        </Button>
      </div>
      <p className="mt-2 text-xs text-zinc-500">{STRATEGY_HELP[chosen]}</p>
      {start.error && (
        <p className="mt-2 text-xs font-medium text-red-600" data-testid="pick-error">
          {errorInfo(start.error).message}
        </p>
      )}
    </div>
  );
}

export function ScoringStep({ round, canWrite, onChange }: { round: Round; canWrite: boolean; onChange: () => void }) {
  const trpc = useTRPC();
  const cancel = useMutation(trpc.activeLearning.cancelRound.mutationOptions({ onSuccess: onChange }));
  const total = round.progressTotal;
  const value = total ? Math.min(1, round.progressDone / total) : round.state === "running" ? null : 0;
  return (
    <div data-testid="scoring-step">
      <div className="mb-2 flex items-baseline justify-between gap-3 text-[13px] text-zinc-600">
        <span>
          Round {round.number}: {round.scoringModel.name} scores the pool by {strategyLabel(round.strategy)}
          {total
            ? ` — ${formatNumber(round.progressDone)} of ${formatNumber(total)} rows`
            : round.state === "queued"
              ? " — waiting for a runner…"
              : " — loading the model…"}
        </span>
        {value != null && <span className="tabular font-medium text-zinc-800">{Math.round(value * 100)}%</span>}
      </div>
      <Progress value={value} testId="scoring-progress" label="Scoring progress" className="h-2.5" />
      <Button
        variant="ghost"
        size="sm"
        className="mt-3"
        onClick={() => cancel.mutate({ roundId: round.id })}
        loading={cancel.isPending}
        disabled={!canWrite}
        data-testid="cancel-round"
      >
        <XCircle className="size-4" aria-hidden /> Cancel
      </Button>
    </div>
  );
}

export function LabelStep({ project: p, team, canWrite }: { project: Project; team: string; canWrite: boolean }) {
  const { total, done, open } = batchProgress(p);
  return (
    <div data-testid="label-step">
      <div className="mb-2 flex items-baseline justify-between gap-3 text-[13px] text-zinc-600">
        <span>
          {open} of {total} picked row{total === 1 ? "" : "s"} wait for a label
          {p.counts.conflict > 0 && ` (${p.counts.conflict} in conflict, below)`}
        </span>
        <span className="tabular font-medium text-zinc-800" data-testid="batch-done">
          {done} / {total}
        </span>
      </div>
      <Progress value={total ? done / total : 0} testId="batch-progress" label="Batch progress" className="h-2.5" />
      <ButtonLink
        href={`/t/${team}/active-learning/${p.id}/label`}
        className="mt-3"
        data-testid="start-labelling"
        variant={canWrite ? "primary" : "secondary"}
      >
        <Keyboard className="size-4" aria-hidden /> {canWrite ? "Start labelling" : "See the rows"}
      </ButtonLink>
    </div>
  );
}

export function RetrainStep(p: {
  project: Project;
  canWrite: boolean;
  retry?: boolean;
  mutation: UseMutationResult<unknown, unknown, { projectId: string; trainFrom?: "previous" | "base" }>;
}) {
  const [from, setFrom] = useState<"previous" | "base">(p.project.trainFrom);
  const labelled = p.project.counts.labelled + (p.project.seed?.rows ?? 0);
  const trained = p.project.rounds.some((r) => r.trainJob?.state === "succeeded");
  return (
    <div data-testid="retrain-step" className={p.retry ? "mb-4" : undefined}>
      <p className="text-sm text-zinc-700">
        {p.retry ? "Train the round again" : "The batch is labelled."} Fine-tune on all {labelled} labels
        {p.project.seed ? " (seed included)" : ""}; the new model is then scored on the held-out set.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2">
        <div className="w-64">
          <Select
            aria-label="Train from"
            value={from}
            onChange={(e) => setFrom(e.target.value as "previous" | "base")}
            disabled={!p.canWrite}
            data-testid="retrain-from"
          >
            <option value="previous">From the previous round{trained ? "" : " (the base, for now)"}</option>
            <option value="base">From the base model</option>
          </Select>
        </div>
        <Button
          onClick={() => p.mutation.mutate({ projectId: p.project.id, trainFrom: from })}
          loading={p.mutation.isPending}
          disabled={!p.canWrite}
          title={p.canWrite ? undefined : READ_ONLY}
          data-testid="retrain"
        >
          <RefreshCw className="size-4" aria-hidden /> Retrain
        </Button>
      </div>
    </div>
  );
}

export function TrainingStep({ round, team }: { round: Round; team: string }) {
  const job = round.trainJob!;
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm text-zinc-700" data-testid="training-step">
      <Loader2 className="size-4 animate-spin text-accent-600" aria-hidden />
      <span>
        Round {round.number} trains on {round.labelCount ?? "the"} labels:
      </span>
      <Link href={`/t/${team}/jobs/${job.id}`} className="font-medium text-accent-700 hover:underline">
        {job.name}
      </Link>
      <StateBadge state={job.state} />
    </div>
  );
}
