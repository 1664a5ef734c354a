import { GitBranch } from "lucide-react";
import Link from "next/link";
import { FormatBadge } from "@/components/format-badge";
import { Card, CardBody, CardHeader, STATE_LABELS, cn } from "@/components/ui";
import type { Job } from "./use-job";

/** Where the job's model comes from and what it produced. */
export function LineageCard({ job: j, team }: { job?: Job; team: string }) {
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

/** The dataset versions the job trains on, with their share of the mix. */
export function DatasetsCard({ job: j, team }: { job?: Job; team: string }) {
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
        {j.validationSet && (
          <li className="px-5 py-3" data-testid="job-validation-set">
            <div className="flex items-center justify-between gap-2">
              <span className="truncate text-[13px] text-zinc-500">
                Validated on{" "}
                <Link
                  href={`/t/${team}/datasets/${j.validationSet.datasetId}?version=${j.validationSet.datasetVersionId}`}
                  className="font-medium text-zinc-900 hover:text-accent-700"
                >
                  {j.validationSet.datasetName}{" "}
                  <span className="font-normal text-zinc-500">v{j.validationSet.version}</span>
                </Link>
              </span>
              <FormatBadge format={j.validationSet.format} />
            </div>
          </li>
        )}
      </ul>
    </Card>
  );
}
