"use client";
/**
 * One project, polled every 2 s while anything of it is in flight (a batch being picked, a round training or being
 * evaluated, a simulation) and every 15 s otherwise, so labels other members give show up; the caller's role.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import { inFlight } from "../_components/strategies";

export const POLL_MS = 2_000;

export function useProject(projectId: string) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const project = useQuery({
    ...trpc.activeLearning.getProject.queryOptions({ projectId }),
    refetchInterval: (q) => (inFlight(q.state.data) ? POLL_MS : 15_000),
  });
  const current = useQuery(trpc.teams.current.queryOptions());
  const canWrite = current.data ? current.data.role !== "viewer" : false;
  /** Refetch the project and the lists that hang off it (after an action). */
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: trpc.activeLearning.getProject.queryKey({ projectId }) });
    void qc.invalidateQueries({ queryKey: trpc.activeLearning.listItems.pathKey() });
  };
  return { project, canWrite, role: current.data?.role, refresh };
}
