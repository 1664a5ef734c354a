"use client";
/**
 * Pause a queued or running job (its runner hands it back keeping its checkpoints) and resume a paused one, which
 * continues from its newest checkpoint (decision 0010).
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { canPause, canResume } from "@whetstone/core";
import { Pause, Play } from "lucide-react";
import { Button } from "@/components/ui";
import { errorInfo, useTRPC } from "@/lib/trpc";
import type { Job } from "./use-job";

export function PauseResumeButton({ job: j }: { job: Job }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.jobs.get.queryKey({ id: j.id }) });
  const pause = useMutation(trpc.jobs.pause.mutationOptions({ onSuccess: () => void refresh() }));
  const resume = useMutation(trpc.jobs.resume.mutationOptions({ onSuccess: () => void refresh() }));
  const error = pause.error ?? resume.error;
  if (j.cancelling) return null;
  if (canResume(j.state)) {
    return (
      <Button
        variant="secondary"
        onClick={() => resume.mutate({ id: j.id })}
        loading={resume.isPending}
        title={error ? errorInfo(error).message : "Continue from the newest checkpoint"}
        data-testid="resume-job"
      >
        <Play className="size-4" aria-hidden /> Resume
      </Button>
    );
  }
  if (!canPause(j.state)) return null;
  return (
    <Button
      variant="secondary"
      onClick={() => pause.mutate({ id: j.id })}
      loading={pause.isPending}
      disabled={pause.isSuccess && j.state === "running"}
      title={error ? errorInfo(error).message : "The runner hands the job back, keeping its checkpoints"}
      data-testid="pause-job"
    >
      <Pause className="size-4" aria-hidden /> {pause.isSuccess && j.state === "running" ? "Pausing…" : "Pause"}
    </Button>
  );
}
