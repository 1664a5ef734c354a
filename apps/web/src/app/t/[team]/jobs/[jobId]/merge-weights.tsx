"use client";
/**
 * Merged weights on request (decision 0013): for a succeeded LoRA/QLoRA job without them, a "Merge weights" button
 * (jobs.merge) and, while the runner merges, a state line polled from jobs.mergeStatus. When the merge is stored, the
 * job is read again and the merged weights appear as artifacts and as the "Merged weights (.tar)" download.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Layers } from "lucide-react";
import { useEffect } from "react";
import { Button } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";
import type { Job } from "./use-job";

const POLL_MS = 5_000;

export function MergeWeights({ job: j }: { job: Job }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const offered = j.state === "succeeded" && j.method !== "full" && !j.artifacts.some((a) => a.kind === "merged_model");
  const status = useQuery({
    ...trpc.jobs.mergeStatus.queryOptions({ id: j.id }),
    enabled: offered,
    refetchInterval: (q) => (q.state.data?.state === "merging" ? POLL_MS : false),
  });
  const merge = useMutation(
    trpc.jobs.merge.mutationOptions({
      onSuccess: () => void qc.invalidateQueries({ queryKey: trpc.jobs.mergeStatus.queryKey({ id: j.id }) }),
    }),
  );
  const state = status.data?.state;
  useEffect(() => {
    if (state === "merged") void qc.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id: j.id }) });
  }, [state, qc, trpc, j.id]);
  if (!offered || state === "merged") return null;
  const merging = state === "merging" || (merge.isSuccess && merge.data.state === "merging" && state !== "failed");
  const error = merge.error ? errorInfo(merge.error).message : state === "failed" ? status.data?.error : null;
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-zinc-100 px-5 py-4" data-testid="merge-weights">
      <div className="min-w-0 flex-1 text-xs text-zinc-500">
        <div className="text-sm font-medium text-zinc-900">Merged weights</div>
        {merging ? (
          <span data-testid="merge-state">Merging the adapter into the base on a runner… the files appear here.</span>
        ) : error ? (
          <span className="text-red-600" data-testid="merge-error">
            The merge failed: {error}
          </span>
        ) : (
          "The base model with this adapter merged in: one folder that loads without PEFT, for serving tools that take plain weights."
        )}
      </div>
      {!merging && (
        <Button
          variant="secondary"
          size="sm"
          onClick={() => merge.mutate({ id: j.id })}
          loading={merge.isPending}
          data-testid="merge-weights-button"
        >
          <Layers className="size-3.5" aria-hidden /> Merge weights
        </Button>
      )}
    </div>
  );
}
