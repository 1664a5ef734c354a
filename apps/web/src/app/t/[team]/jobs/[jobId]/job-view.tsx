"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { canCancel, isTerminal, METHOD_LABELS, TECHNIQUE_LABELS, type JobState } from "@whetstone/core";
import { ArrowDownToLine, Check, ChevronLeft, Circle, Download, GitBranch, Radio, XCircle } from "lucide-react";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { FormatBadge } from "@/components/format-badge";
import {
  Alert,
  Badge,
  Button,
  Card,
  CardBody,
  CardHeader,
  ConfirmDialog,
  CopyButton,
  PageHeader,
  Progress,
  Skeleton,
  StateBadge,
  STATE_LABELS,
  cn,
} from "@/components/ui";
import { formatBytes, formatDateTime, formatDuration, formatNumber, shortHash } from "@/lib/format";
import { errorInfo, useTRPC, useTRPCClient, type RouterOutputs } from "@/lib/trpc";
import { MetricChart } from "./charts";
import { useJobLive, type LiveStatus } from "./use-job-live";

type Job = RouterOutputs["jobs"]["get"];
type EventItem = RouterOutputs["jobs"]["events"]["items"][number];

export function JobView({ team, jobId }: { team: string; jobId: string }) {
  const trpc = useTRPC();
  const job = useQuery(trpc.jobs.get.queryOptions({ id: jobId }));
  const metrics = useQuery(trpc.jobs.metrics.queryOptions({ id: jobId }));
  const [confirmCancel, setConfirmCancel] = useState(false);
  const cancel = useMutation(
    trpc.jobs.cancel.mutationOptions({
      onSuccess: () => {
        void job.refetch();
        void refreshLog();
      },
    }),
  );
  const { events, refresh: refreshLog } = useJobEvents(jobId);
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

  if (job.error) {
    const info = errorInfo(job.error);
    return (
      <Alert title={info.code === "NOT_FOUND" ? "Job not found" : "Could not load the job"}>
        {info.message}{" "}
        <Link className="underline" href={`/t/${team}/jobs`}>
          Back to jobs
        </Link>
      </Alert>
    );
  }
  const j = job.data;
  const series = metrics.data?.series ?? [];
  const names = series.map((s) => s.name);
  const lossNames = ["train_loss", "val_loss", ...names.filter((n) => n.startsWith("val_loss:")).sort()];
  const accNames = names.filter((n) => /accuracy|f1/.test(n));
  const latest = (n: string) => series.find((s) => s.name === n)?.points.at(-1)?.value;

  return (
    <>
      <PageHeader
        eyebrow={
          <Link href={`/t/${team}/jobs`} className="inline-flex items-center gap-1 hover:text-zinc-800">
            <ChevronLeft className="size-3.5" aria-hidden /> Jobs
          </Link>
        }
        title={j ? <span data-testid="job-name">{j.name}</span> : <Skeleton className="h-7 w-72" />}
        description={
          j && (
            <span className="flex flex-wrap items-center gap-2">
              <StateBadge state={j.state} cancelling={j.cancelling} />
              <span>
                {TECHNIQUE_LABELS[j.technique]} · {METHOD_LABELS[j.method]} · on {j.baseModel.name}
              </span>
              <LiveIndicator status={live} />
            </span>
          )
        }
        actions={
          j &&
          canCancel(j.state) && (
            <Button
              variant="danger"
              onClick={() => setConfirmCancel(true)}
              disabled={j.cancelling}
              data-testid="cancel-job"
            >
              <XCircle className="size-4" aria-hidden /> {j.cancelling ? "Cancelling…" : "Cancel job"}
            </Button>
          )
        }
      />

      {j && <ProgressCard job={j} eta={latest("eta_seconds")} tps={latest("tokens_per_second")} />}

      {j?.state === "failed" && j.error && (
        <Alert className="mt-4" title="The job failed" testId="job-error">
          <span className="font-mono text-xs whitespace-pre-wrap">{j.error}</span>
        </Alert>
      )}
      {j?.state === "pending_quota" && j.pendingReason && (
        <Alert tone="amber" className="mt-4" title="Waiting for GPU quota" testId="pending-reason">
          {j.pendingReason}. It starts by itself when the team has a free GPU — when one of its jobs ends or an admin
          raises the quota.
        </Alert>
      )}
      {cancel.error && (
        <Alert className="mt-4" title="Could not cancel">
          {errorInfo(cancel.error).message}
        </Alert>
      )}

      <Card className="mt-6">
        <CardHeader title="Timeline" />
        <CardBody>{j ? <Timeline job={j} /> : <Skeleton className="h-12 w-full" />}</CardBody>
      </Card>

      <div className={cn("mt-6 grid gap-6", accNames.length > 0 && "lg:grid-cols-2")}>
        <Card>
          <CardHeader
            title="Loss"
            description={
              latest("train_loss") != null
                ? `train ${latest("train_loss")!.toFixed(4)}${latest("val_loss") != null ? ` · validation ${latest("val_loss")!.toFixed(4)}` : ""}`
                : "Training and validation loss per step"
            }
          />
          <CardBody>
            {series.some((s) => lossNames.includes(s.name) && s.points.length) ? (
              <MetricChart series={series} names={lossNames} testId="loss-chart" />
            ) : (
              <ChartPlaceholder state={j?.state} testId="loss-chart" />
            )}
          </CardBody>
        </Card>
        {accNames.length > 0 && (
          <Card>
            <CardHeader
              title="Accuracy"
              description={
                latest("val_accuracy") != null
                  ? `validation ${(latest("val_accuracy")! * 100).toFixed(1)}%`
                  : "Classification metrics on the validation split"
              }
            />
            <CardBody>
              <MetricChart series={series} names={accNames} testId="accuracy-chart" percent />
            </CardBody>
          </Card>
        )}
      </div>

      <div className="mt-6 grid gap-6 lg:grid-cols-[1fr_22rem]">
        <div className="min-w-0 space-y-6">
          <LogPanel events={events} live={live} />
          <ArtifactsCard job={j} jobId={jobId} />
        </div>
        <div className="space-y-6">
          <LineageCard job={j} team={team} />
          <DatasetsCard job={j} team={team} />
          <HyperparametersCard job={j} />
        </div>
      </div>

      <ConfirmDialog
        open={confirmCancel}
        title="Cancel this job?"
        description={
          j?.state === "running"
            ? "The runner stops training now. Checkpoints written so far are kept; no final model is produced."
            : "The job will not run."
        }
        confirmLabel="Cancel job"
        loading={cancel.isPending}
        onClose={() => setConfirmCancel(false)}
        onConfirm={() => {
          setConfirmCancel(false);
          cancel.mutate({ id: jobId });
        }}
      />
    </>
  );
}

/** The job log, fetched incrementally with the events cursor. */
function useJobEvents(jobId: string) {
  const client = useTRPCClient();
  const [events, setEvents] = useState<EventItem[]>([]);
  const cursor = useRef<string | undefined>(undefined);
  const running = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const refresh = useCallback(async () => {
    if (running.current) {
      again.current = true;
      return running.current;
    }
    running.current = (async () => {
      try {
        for (let i = 0; i < 20; i++) {
          const page = await client.jobs.events.query({ id: jobId, after: cursor.current, limit: 500 });
          if (page.items.length) setEvents((e) => [...e, ...page.items].slice(-2000));
          if (page.cursor) cursor.current = page.cursor;
          if (!page.hasMore) break;
        }
      } catch {
        /* the next update or poll retries */
      } finally {
        running.current = null;
        if (again.current) {
          again.current = false;
          void refresh();
        }
      }
    })();
    return running.current;
  }, [client, jobId]);

  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { events, refresh };
}

function LiveIndicator({ status }: { status: LiveStatus }) {
  if (status === "off") return null;
  const map = {
    live: { label: "Live", cls: "text-emerald-600" },
    connecting: { label: "Connecting…", cls: "text-zinc-400" },
    polling: { label: "Refreshing every few seconds", cls: "text-amber-600" },
  } as const;
  const s = map[status];
  return (
    <span
      className={cn("inline-flex items-center gap-1 text-xs font-medium", s.cls)}
      data-testid="live-status"
      data-status={status}
    >
      <Radio className="size-3.5" aria-hidden /> {s.label}
    </span>
  );
}

function totalStepsOf(j: Job): number | null {
  if (j.totalSteps) return j.totalSteps;
  const max = j.hyperparameters.maxSteps;
  return typeof max === "number" ? max : null;
}

function ProgressCard({ job: j, eta, tps }: { job: Job; eta?: number; tps?: number }) {
  const total = totalStepsOf(j);
  const value =
    j.state === "succeeded" ? 1 : total ? Math.min(1, j.currentStep / total) : j.state === "running" ? null : 0;
  const elapsed = j.startedAt
    ? (j.finishedAt ? new Date(j.finishedAt) : new Date()).getTime() - new Date(j.startedAt).getTime()
    : null;
  return (
    <Card className="px-5 py-4">
      <div className="mb-3 flex flex-wrap items-baseline justify-between gap-3">
        <div className="flex items-baseline gap-2">
          <span
            className="tabular text-2xl font-semibold tracking-tight text-zinc-900"
            data-testid="job-progress-percent"
          >
            {value == null ? "—" : `${Math.round(value * 100)}%`}
          </span>
          <span className="tabular text-sm text-zinc-500" data-testid="job-steps">
            step {formatNumber(j.currentStep)}
            {total ? ` of ${formatNumber(total)}` : ""}
          </span>
        </div>
        <div className="flex flex-wrap gap-x-6 gap-y-1 text-[13px] text-zinc-500">
          {j.runnerName && (
            <span>
              runner <span className="font-medium text-zinc-700">{j.runnerName}</span>
            </span>
          )}
          {elapsed != null && (
            <span>
              elapsed <span className="tabular font-medium text-zinc-700">{formatDuration(elapsed)}</span>
            </span>
          )}
          {j.state === "running" && eta != null && (
            <span>
              ETA <span className="tabular font-medium text-zinc-700">{formatDuration(eta * 1000)}</span>
            </span>
          )}
          {j.state === "running" && tps != null && (
            <span>
              <span className="tabular font-medium text-zinc-700">{formatNumber(Math.round(tps))}</span> tokens/s
            </span>
          )}
        </div>
      </div>
      <Progress
        value={value}
        tone={j.state === "succeeded" ? "green" : j.state === "failed" ? "red" : "accent"}
        testId="job-progress"
        label="Training progress"
        className="h-2.5"
      />
    </Card>
  );
}

const HAPPY_PATH: JobState[] = ["validating_files", "queued", "running", "succeeded"];

function Timeline({ job: j }: { job: Job }) {
  const reached = new Map<JobState, Date>();
  for (const t of j.timeline) if (t.state && !reached.has(t.state)) reached.set(t.state, new Date(t.at));
  // Fall back to the job's own timestamps where no state event was written.
  if (!reached.has("validating_files")) reached.set("validating_files", new Date(j.createdAt));
  if (j.queuedAt && !reached.has("queued")) reached.set("queued", new Date(j.queuedAt));
  if (j.startedAt && !reached.has("running")) reached.set("running", new Date(j.startedAt));
  const final: JobState = j.state === "failed" || j.state === "cancelled" ? j.state : "succeeded";
  const steps: JobState[] = [...HAPPY_PATH.slice(0, 3), final];
  if (reached.has("pending_quota") || j.state === "pending_quota") steps.splice(1, 0, "pending_quota");
  const currentIdx = steps.indexOf(j.state);
  return (
    <ol className="flex items-start" data-testid="job-timeline">
      {steps.map((s, i) => {
        const at =
          reached.get(s) ?? (s === j.state && isTerminal(s) && j.finishedAt ? new Date(j.finishedAt) : undefined);
        const done = i < currentIdx || (i === currentIdx && isTerminal(j.state));
        const current = i === currentIdx && !isTerminal(j.state);
        const bad = (s === "failed" || s === "cancelled") && i === currentIdx;
        return (
          <li
            key={s}
            className="relative flex flex-1 flex-col items-center text-center"
            data-testid={`timeline-${s}`}
            data-reached={done || current ? "true" : "false"}
          >
            {i > 0 && (
              <div
                className={cn(
                  "absolute top-3 right-1/2 h-0.5 w-full -translate-y-1/2",
                  i <= currentIdx ? "bg-accent-500" : "bg-zinc-200",
                )}
              />
            )}
            <div
              className={cn(
                "relative z-10 flex size-6 items-center justify-center rounded-full ring-4 ring-white",
                bad
                  ? "bg-red-500 text-white"
                  : done
                    ? "bg-accent-600 text-white"
                    : current
                      ? "bg-white text-accent-600 ring-accent-100"
                      : "bg-zinc-100 text-zinc-400",
                current && "border-2 border-accent-500",
              )}
            >
              {bad ? (
                <XCircle className="size-3.5" />
              ) : done ? (
                <Check className="size-3.5" strokeWidth={3} />
              ) : current ? (
                <span className="size-2 animate-pulse rounded-full bg-accent-500" />
              ) : (
                <Circle className="size-2" />
              )}
            </div>
            <div className={cn("mt-2 text-[13px] font-medium", done || current ? "text-zinc-900" : "text-zinc-400")}>
              {STATE_LABELS[s]}
            </div>
            <div className="tabular text-xs text-zinc-500">{at ? formatDateTime(at) : " "}</div>
          </li>
        );
      })}
    </ol>
  );
}

function ChartPlaceholder({ state, testId }: { state?: JobState; testId: string }) {
  const msg =
    state === "running"
      ? "Waiting for the first metrics…"
      : state && isTerminal(state)
        ? "This job reported no metrics."
        : "The chart fills in as soon as training starts.";
  return (
    <div
      className="flex h-[260px] flex-col items-center justify-center rounded-lg border border-dashed border-zinc-200 bg-zinc-50/50 text-sm text-zinc-500"
      data-testid={testId}
      data-points={0}
    >
      <svg viewBox="0 0 120 40" className="mb-3 w-28 text-zinc-300" aria-hidden>
        <path
          d="M2,6 C20,20 35,28 55,31 S95,35 118,36"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          strokeDasharray="4 4"
        />
      </svg>
      {msg}
    </div>
  );
}

const LEVEL_STYLE: Record<string, string> = {
  debug: "text-zinc-500",
  info: "text-zinc-200",
  warning: "text-amber-300",
  error: "text-red-400",
};

function LogPanel({ events, live }: { events: EventItem[]; live: LiveStatus }) {
  const ref = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = ref.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [events.length]);
  return (
    <Card className="overflow-hidden">
      <CardHeader
        title="Logs and events"
        description={`${formatNumber(events.length)} lines`}
        action={live === "live" && <Badge tone="green">following</Badge>}
      />
      <div
        ref={ref}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
        }}
        className="h-80 overflow-auto bg-zinc-950 px-4 py-3 font-mono text-[12px] leading-relaxed"
        data-testid="job-log"
      >
        {events.length === 0 ? (
          <div className="text-zinc-500">No log lines yet.</div>
        ) : (
          events.map((e) => (
            <div key={e.id} className="flex gap-3" data-testid="job-log-line" data-kind={e.kind} data-level={e.level}>
              <span className="shrink-0 text-zinc-600 tabular">
                {new Date(e.createdAt).toLocaleTimeString("en-US", { hour12: false })}
              </span>
              {e.kind === "state" ? (
                <span className="text-accent-300">▸ {e.message}</span>
              ) : (
                <span className={cn("break-words whitespace-pre-wrap", LEVEL_STYLE[e.level])}>{e.message}</span>
              )}
            </div>
          ))
        )}
      </div>
    </Card>
  );
}

function ArtifactsCard({ job: j, jobId }: { job?: Job; jobId: string }) {
  return (
    <Card>
      <CardHeader title="Artifacts" description="Adapter, tokenizer, config and reports, with checksums." />
      {!j ? (
        <CardBody>
          <Skeleton className="h-16 w-full" />
        </CardBody>
      ) : j.artifacts.length === 0 ? (
        <div className="flex items-center gap-3 px-5 py-6 text-sm text-zinc-500" data-testid="artifacts-empty">
          <ArrowDownToLine className="size-4 text-zinc-400" aria-hidden />
          {j.state === "succeeded"
            ? "This job produced no files."
            : j.state === "failed" || j.state === "cancelled"
              ? `The job was ${j.state} before it produced files; its checkpoints stay in storage.`
              : "Files appear here when training succeeds."}
        </div>
      ) : (
        <ul className="divide-y divide-zinc-100" data-testid="artifacts">
          {j.artifacts.map((a) => (
            <li key={a.id} className="flex items-center gap-4 px-5 py-3" data-testid="artifact-row">
              <div className="min-w-0 flex-1">
                <div className="flex items-center gap-2">
                  <span className="truncate font-mono text-[13px] text-zinc-900">{a.name}</span>
                  <Badge>{a.kind.replace("_", " ")}</Badge>
                </div>
                <div className="mt-0.5 flex items-center gap-2 text-xs text-zinc-500">
                  <span className="tabular">{formatBytes(a.bytes)}</span>·
                  <span className="font-mono" title={a.sha256}>
                    sha256 {shortHash(a.sha256, 16)}…
                  </span>
                </div>
              </div>
              <CopyButton value={a.sha256} label="sha256" />
              <a
                href={`/api/jobs/${encodeURIComponent(jobId)}/artifacts/${encodeURIComponent(a.id)}`}
                className="inline-flex h-8 items-center gap-1.5 rounded-lg bg-white px-3 text-[13px] font-medium text-zinc-800 ring-1 ring-zinc-200 ring-inset hover:bg-zinc-50"
                data-testid="artifact-download"
                download
              >
                <Download className="size-3.5" aria-hidden /> Download
              </a>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function LineageCard({ job: j, team }: { job?: Job; team: string }) {
  if (!j) return null;
  const chain = [
    ...(j.baseModel.parent ? [{ name: j.baseModel.parent.name, note: "base" }] : []),
    {
      name: j.baseModel.name,
      note:
        j.baseModel.source === "artifact"
          ? "fine-tuned"
          : j.baseModel.source === "huggingface"
            ? "Hugging Face"
            : "local",
    },
    {
      name: j.producedModel?.name ?? "this job",
      note: j.producedModel ? "produced" : STATE_LABELS[j.state].toLowerCase(),
      self: true,
    },
  ];
  return (
    <Card data-testid="job-lineage">
      <CardHeader title="Model lineage" />
      <CardBody>
        <ol className="space-y-0">
          {chain.map((c, i) => (
            <li key={i} className="relative flex gap-3 pb-4 last:pb-0">
              {i < chain.length - 1 && <div className="absolute top-5 left-[9px] h-full w-px bg-zinc-200" />}
              <div
                className={cn(
                  "relative z-10 mt-0.5 flex size-[18px] items-center justify-center rounded-full ring-1",
                  c.self ? "bg-accent-600 ring-accent-600" : "bg-white ring-zinc-300",
                )}
              >
                <GitBranch className={cn("size-2.5", c.self ? "text-white" : "text-zinc-400")} aria-hidden />
              </div>
              <div className="min-w-0">
                <div className="truncate text-[13px] font-medium text-zinc-900">{c.name}</div>
                <div className="text-xs text-zinc-500">{c.note}</div>
              </div>
            </li>
          ))}
        </ol>
        {j.baseModel.source !== "artifact" && (
          <div className="mt-3 truncate font-mono text-xs text-zinc-400" title={j.baseModel.ref}>
            {j.baseModel.ref}
          </div>
        )}
        {j.producedModel && (
          <Link
            href={`/t/${team}/models`}
            className="mt-3 inline-block text-[13px] font-medium text-accent-600 hover:text-accent-700"
          >
            See it in Models →
          </Link>
        )}
      </CardBody>
    </Card>
  );
}

function DatasetsCard({ job: j, team }: { job?: Job; team: string }) {
  if (!j) return null;
  const total = j.datasets.reduce((s, d) => s + d.weight, 0);
  return (
    <Card>
      <CardHeader title={j.datasets.length > 1 ? "Datasets (multi-task)" : "Dataset"} />
      <ul className="divide-y divide-zinc-100" data-testid="job-datasets">
        {j.datasets.map((d) => (
          <li key={d.datasetVersionId} className="px-5 py-3">
            <div className="flex items-center justify-between gap-2">
              <Link
                href={`/t/${team}/datasets/${d.datasetId}?version=${d.datasetVersionId}`}
                className="truncate text-[13px] font-medium text-zinc-900 hover:text-accent-700"
              >
                {d.datasetName} <span className="font-normal text-zinc-500">v{d.version}</span>
              </Link>
              <FormatBadge format={d.format} />
            </div>
            {j.datasets.length > 1 && (
              <div className="mt-2 flex items-center gap-2 text-xs text-zinc-500">
                <div className="h-1.5 flex-1 rounded-full bg-zinc-100">
                  <div
                    className="h-full rounded-full bg-accent-500"
                    style={{ width: `${(d.weight / total) * 100}%` }}
                  />
                </div>
                <span className="tabular w-24 text-right">
                  weight {d.weight} · {Math.round((d.weight / total) * 100)}%
                </span>
              </div>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

const HP_LABELS: Record<string, string> = {
  epochs: "Epochs",
  learningRate: "Learning rate",
  batchSize: "Batch size",
  gradientAccumulationSteps: "Grad. accumulation",
  maxSeqLength: "Max sequence length",
  warmupRatio: "Warm-up ratio",
  weightDecay: "Weight decay",
  loraR: "LoRA r",
  loraAlpha: "LoRA alpha",
  loraDropout: "LoRA dropout",
  validationSplit: "Validation split",
  earlyStoppingPatience: "Early-stopping patience",
  evalEverySteps: "Eval every",
  checkpointEverySteps: "Checkpoint every",
  logEverySteps: "Log every",
  maxSteps: "Max steps",
  seed: "Seed",
  packing: "Packing",
  mergeWeights: "Merge weights",
};

function HyperparametersCard({ job: j }: { job?: Job }) {
  if (!j) return null;
  const order = Object.keys(HP_LABELS);
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const entries = Object.entries(j.hyperparameters)
    .filter(([k]) => !(j.method === "full" && k.startsWith("lora")))
    .sort(([a], [b]) => rank(a) - rank(b));
  return (
    <Card>
      <CardHeader title="Hyperparameters" />
      <dl className="divide-y divide-zinc-100 text-[13px]" data-testid="job-hyperparameters">
        {entries.map(([k, v]) => (
          <div key={k} className="flex justify-between gap-3 px-5 py-2">
            <dt className="text-zinc-500">{HP_LABELS[k] ?? k}</dt>
            <dd className="tabular font-mono text-xs text-zinc-800" data-testid={`hp-value-${k}`}>
              {v == null ? "—" : typeof v === "boolean" ? (v ? "yes" : "no") : String(v)}
            </dd>
          </div>
        ))}
        <div className="flex justify-between gap-3 px-5 py-2">
          <dt className="text-zinc-500">Priority</dt>
          <dd className="font-mono text-xs text-zinc-800">{j.priority}</dd>
        </div>
      </dl>
    </Card>
  );
}
