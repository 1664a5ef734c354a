import { GitBranch } from "lucide-react";
import Link from "next/link";
import { Badge, Card, CardBody, CardHeader, Field, Select, Skeleton, cn } from "@/components/ui";
import { formatCompact, formatNumber } from "@/lib/format";
import type { RouterOutputs } from "@/lib/trpc";
import type { JobForm } from "./use-job-form";

type BaseModel = RouterOutputs["baseModels"]["list"][number];

/** 3 · Base model: a registered model, or one of the team's fine-tuned models (transfer learning). */
export function BaseModelSection({ form, team }: { form: JobForm; team: string }) {
  const { models, baseModelId, setBaseModelId, err } = form;
  const all = models.data ?? [];
  const baseModels = all.filter((m) => m.source !== "artifact");
  const artifacts = all.filter((m) => m.source === "artifact");
  const selected = all.find((m) => m.id === baseModelId);
  return (
    <Card>
      <CardHeader
        title="3 · Base model"
        description="Start from a pre-trained model, or continue from one of your fine-tuned models (transfer learning)."
      />
      <CardBody className="space-y-4">
        <Field label="Model" htmlFor="base-model" error={err("baseModelId")}>
          {models.isLoading ? (
            <Skeleton className="h-9 w-full" />
          ) : (
            <Select
              id="base-model"
              value={baseModelId}
              onChange={(e) => setBaseModelId(e.target.value)}
              data-testid="base-model-select"
              invalid={!!err("baseModelId")}
            >
              {!all.length && <option value="">No base models registered</option>}
              <optgroup label="Base models">
                {baseModels.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                    {m.parameterCount ? ` · ${formatCompact(m.parameterCount)} params` : ""}
                  </option>
                ))}
              </optgroup>
              {artifacts.length > 0 && (
                <optgroup label="Your fine-tuned models">
                  {artifacts.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name}
                      {m.parent ? ` ← ${m.parent.name}` : ""}
                    </option>
                  ))}
                </optgroup>
              )}
            </Select>
          )}
        </Field>
        {selected && <ModelLineage model={selected} all={all} team={team} />}
      </CardBody>
    </Card>
  );
}

export function ModelLineage({ model, all, team }: { model: BaseModel; all: BaseModel[]; team: string }) {
  // Walk up the parents we know about: artifact → … → base.
  const chain: { id: string; name: string; job?: { id: string; name: string } | null }[] = [];
  let cur: BaseModel | undefined = model;
  const seen = new Set<string>();
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    chain.push({ id: cur.id, name: cur.name, job: cur.sourceJob });
    const parentId: string | undefined = cur.parent?.id;
    const parentName = cur.parent?.name;
    cur = parentId ? all.find((m) => m.id === parentId) : undefined;
    if (!cur && parentId && parentName) chain.push({ id: parentId, name: parentName });
  }
  if (chain.length < 2 && model.source !== "artifact") {
    return (
      <p className="text-xs text-zinc-500">
        <Badge>{model.source === "huggingface" ? "Hugging Face" : "Local"}</Badge>{" "}
        <span className="ml-1 font-mono">{model.ref}</span>
        {model.contextLength ? ` · ${formatNumber(model.contextLength)} context` : ""}
      </p>
    );
  }
  return (
    <div className="rounded-lg bg-zinc-50 px-3 py-2.5" data-testid="model-lineage">
      <div className="mb-1.5 flex items-center gap-1.5 text-xs font-medium text-zinc-500">
        <GitBranch className="size-3.5" aria-hidden /> Lineage
      </div>
      <ol className="flex flex-wrap items-center gap-1.5 text-xs">
        {[...chain].reverse().map((c, i) => (
          <li key={c.id} className="flex items-center gap-1.5">
            {i > 0 && <span className="text-zinc-300">→</span>}
            <span
              className={cn(
                "rounded-md px-2 py-0.5 ring-1",
                c.id === model.id
                  ? "bg-accent-50 text-accent-700 ring-accent-200"
                  : "bg-white text-zinc-700 ring-zinc-200",
              )}
            >
              {c.name}
            </span>
            {c.job && (
              <Link href={`/t/${team}/jobs/${c.job.id}`} className="text-zinc-400 hover:text-accent-600">
                (job)
              </Link>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}
