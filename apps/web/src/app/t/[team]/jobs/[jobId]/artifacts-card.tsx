import { ArrowDownToLine, Download } from "lucide-react";
import { Badge, Card, CardBody, CardHeader, CopyButton, Skeleton } from "@/components/ui";
import { formatBytes, shortHash } from "@/lib/format";
import { MergeWeights } from "./merge-weights";
import type { Job } from "./use-job";

export function ArtifactsCard({ job: j, jobId }: { job?: Job; jobId: string }) {
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
        <>
          <ModelDownloads kinds={new Set(j.artifacts.map((a) => a.kind))} jobId={jobId} />
          <MergeWeights job={j} />
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
        </>
      )}
    </Card>
  );
}

const ARCHIVES = [
  { kind: "adapter", label: "Adapter" },
  { kind: "model", label: "Model" },
  { kind: "merged_model", label: "Merged weights" },
] as const;

/** The model as one archive (GET /api/v1/jobs/{id}/archive): weights, tokenizer, model card, Ollama Modelfile. */
function ModelDownloads({ kinds, jobId }: { kinds: Set<string>; jobId: string }) {
  const present = ARCHIVES.filter((a) => kinds.has(a.kind));
  if (present.length === 0) return null;
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-zinc-100 px-5 py-4" data-testid="model-downloads">
      <div className="min-w-0 flex-1 text-xs text-zinc-500">
        <div className="text-sm font-medium text-zinc-900">Take the model away</div>
        One .tar of a folder that loads as it is: weights, tokenizer, model card (README.md with the evaluation) and an
        Ollama Modelfile. Its sha256: <span className="font-mono">GET /api/v1/jobs/{"{id}"}/archive/sha256</span>.
      </div>
      {present.map((a) => (
        <a
          key={a.kind}
          href={`/api/jobs/${encodeURIComponent(jobId)}/archive?kind=${a.kind}`}
          className="inline-flex h-8 items-center gap-1.5 rounded-lg bg-zinc-900 px-3 text-[13px] font-medium text-white hover:bg-zinc-800"
          data-testid={`model-download-${a.kind}`}
          download
        >
          <Download className="size-3.5" aria-hidden /> {a.label} (.tar)
        </a>
      ))}
    </div>
  );
}
