"use client";
/**
 * One job's page data: the job, its metrics and its log, kept current by the live stream (or polling), with
 * a last refresh when the job ends so the final metrics and artifacts show; and the cancel action.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { isTerminal } from "@whetstone/core";
import { useEffect, useRef } from "react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { useJobEvents } from "./use-job-events";
import { useJobLive } from "./use-job-live";

export type Job = RouterOutputs["jobs"]["get"];

export function useJob(jobId: string) {
  const trpc = useTRPC();
  const job = useQuery(trpc.jobs.get.queryOptions({ id: jobId }));
  const metrics = useQuery(trpc.jobs.metrics.queryOptions({ id: jobId }));
  const { events, refresh: refreshLog } = useJobEvents(jobId);
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: () => {
        void job.refetch();
        void refreshLog();
      },
    }),
  );
  const terminal = job.data ? isTerminal(job.data.state) : false;
  const live = useJobLive(jobId, !!job.data && !terminal, refreshLog);

  // One last refresh when the job ends, so final metrics and artifacts show.
  const prevTerminal = useRef(terminal);
  useEffect(() => {
    if (terminal && !prevTerminal.current) {
      void metrics.refetch();
      void refreshLog();
    }
    prevTerminal.current = terminal;
  }, [terminal, metrics, refreshLog]);

  return { job, series: metrics.data?.series ?? [], events, live, cancel };
}
