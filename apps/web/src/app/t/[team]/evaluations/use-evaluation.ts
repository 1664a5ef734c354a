"use client";
/**
 * One evaluation, polled every 2 s until it is final (queued → running with examples scored → succeeded, failed
 * or cancelled), and its cancel action.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { isFinal } from "./_components/evaluation-status";

export type Evaluation = RouterOutputs["evaluations"]["get"];
export type EvaluationListItem = RouterOutputs["evaluations"]["list"]["items"][number];

export const POLL_MS = 2_000;

export function useEvaluation(id: string) {
  const trpc = useTRPC();
  const evaluation = useQuery({
    ...trpc.evaluations.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data && isFinal(q.state.data.state) ? false : POLL_MS),
  });
  const cancel = useMutation(trpc.evaluations.cancel.mutationOptions({ onSuccess: () => void evaluation.refetch() }));
  return { evaluation, cancel };
}
