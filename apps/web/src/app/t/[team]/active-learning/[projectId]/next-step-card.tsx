"use client";
/**
 * What to do next, as a four-step loop (pick → label → retrain → evaluate) with the one action that moves it on:
 * pick the next batch (with a strategy override), start labelling, or retrain (from the previous round or the base);
 * while a batch is being picked or a round trains, its progress instead.
 */
import { useMutation } from "@tanstack/react-query";
import { Check } from "lucide-react";
import { Alert, Card, cn } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { isFinalState, type Project } from "../_components/strategies";
import { LabelStep, PickStep, RetrainStep, ScoringStep, TrainingStep } from "./next-step-actions";

const STEPS = ["Pick a batch", "Label it", "Retrain", "Score on held-out"] as const;

function stepOf(p: Project): { index: number; busy: boolean } {
  const last = p.rounds.at(-1);
  switch (p.next) {
    case "wait_for_scoring":
      return { index: 0, busy: true };
    case "label":
      return { index: 1, busy: false };
    case "retrain":
      return { index: 2, busy: false };
    case "wait_for_training":
      return { index: 2, busy: true };
    default:
      return last?.evaluation && !isFinalState(last.evaluation.state)
        ? { index: 3, busy: true }
        : { index: 0, busy: false };
  }
}

export function NextStepCard({
  project: p,
  team,
  canWrite,
  onChange,
}: {
  project: Project;
  team: string;
  canWrite: boolean;
  onChange: () => void;
}) {
  const trpc = useTRPC();
  const retrain = useMutation(trpc.activeLearning.retrain.mutationOptions({ onSuccess: onChange }));
  const { index, busy } = stepOf(p);
  const last = p.rounds.at(-1);
  const failedTraining = last?.trainJob?.state === "failed" || last?.trainJob?.state === "cancelled";
  return (
    <Card className="px-5 py-4" data-testid="next-step" data-next={p.next}>
      <ol className="mb-4 flex flex-wrap items-center gap-2 text-[13px]" aria-label="The loop">
        {STEPS.map((s, i) => (
          <li key={s} className="flex items-center gap-2">
            <span
              className={cn(
                "flex items-center gap-1.5 rounded-full px-2.5 py-1 font-medium ring-1 ring-inset",
                i === index
                  ? "bg-accent-50 text-accent-700 ring-accent-200"
                  : i < index
                    ? "text-zinc-600 ring-zinc-200"
                    : "text-zinc-400 ring-zinc-100",
              )}
              aria-current={i === index ? "step" : undefined}
              data-testid={`step-${i}`}
            >
              {i < index ? (
                <Check className="size-3.5 text-emerald-600" aria-hidden />
              ) : (
                <span className="tabular text-xs">{i + 1}</span>
              )}
              {s}
              {i === index && busy && <span className="size-1.5 animate-pulse rounded-full bg-accent-500" />}
            </span>
            {i < STEPS.length - 1 && <span className="h-px w-5 bg-zinc-200" aria-hidden />}
          </li>
        ))}
      </ol>
      {last?.state === "failed" && (
        <Alert className="mb-3" title={`Picking round ${last.number}'s batch failed`} testId="round-error">
          {last.error ?? "no reason was given"}
        </Alert>
      )}
      {failedTraining && p.next === "start_round" && (
        <Alert className="mb-3" tone="amber" title={`Round ${last!.number}'s training ${last!.trainJob!.state}`}>
          {last!.trainJob!.error ?? "Retrain to try again."}
        </Alert>
      )}
      {!canWrite && (
        <p className="mb-3 text-xs text-zinc-500" data-testid="viewer-note">
          You are a viewer of this team: you can follow the project, but only owners and members can pick, label and
          retrain.
        </p>
      )}
      {p.next === "wait_for_scoring" && last && <ScoringStep round={last} canWrite={canWrite} onChange={onChange} />}
      {p.next === "label" && <LabelStep project={p} team={team} canWrite={canWrite} />}
      {(p.next === "retrain" || (p.next === "start_round" && failedTraining)) && (
        <RetrainStep project={p} canWrite={canWrite} mutation={retrain} retry={failedTraining} />
      )}
      {p.next === "wait_for_training" && last && <TrainingStep round={last} team={team} />}
      {p.next === "start_round" && (
        <PickStep project={p} canWrite={canWrite} onChange={onChange} evaluating={index === 3 ? last : undefined} />
      )}
      {retrain.error && (
        <p className="mt-2 text-xs font-medium text-red-600" data-testid="retrain-error">
          {errorInfo(retrain.error).message}
        </p>
      )}
    </Card>
  );
}
