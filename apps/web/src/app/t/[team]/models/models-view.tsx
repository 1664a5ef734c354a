"use client";
import { useQuery } from "@tanstack/react-query";
import { Boxes, Cpu, GitBranch, Globe, HardDrive, MessagesSquare, Sparkles } from "lucide-react";
import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Alert, Badge, ButtonLink, Card, CardHeader, EmptyState, PageHeader, TD, TR } from "@/components/ui";
import { formatCompact, formatNumber, formatRelative } from "@/lib/format";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";

type Model = RouterOutputs["baseModels"]["list"][number];

export function ModelsView({ team }: { team: string }) {
  const trpc = useTRPC();
  const models = useQuery(trpc.baseModels.list.queryOptions());
  const all = models.data ?? [];
  const base = all.filter((m) => m.source !== "artifact");
  const tuned = all.filter((m) => m.source === "artifact");

  return (
    <>
      <PageHeader
        title="Models"
        description="Base models you can start from, and the models your team has fine-tuned — each one can be the base of the next."
      />
      {models.error && (
        <Alert className="mb-6" title="Could not load models">
          {errorInfo(models.error).message}
        </Alert>
      )}

      <Card className="mb-6">
        <CardHeader
          title="Fine-tuned models"
          description="Produced by your jobs; train on top of them for transfer learning."
        />
        <DataTable
          loading={models.isLoading}
          rows={tuned}
          skeleton={{ rows: 2, cols: 4 }}
          empty={
            <EmptyState
              icon={Sparkles}
              title="No fine-tuned models yet"
              description="When a job succeeds, its adapter shows up here with its lineage."
              action={<ButtonLink href={`/t/${team}/jobs/new`}>Start a fine-tune</ButtonLink>}
            />
          }
          render={(rows) => (
            <ul className="divide-y divide-zinc-100" data-testid="fine-tuned-models">
              {rows.map((m) => (
                <li key={m.id} className="flex flex-wrap items-center gap-4 px-5 py-4" data-testid="model-row">
                  <div className="flex size-9 items-center justify-center rounded-lg bg-accent-50 text-accent-600 ring-1 ring-accent-100">
                    <Sparkles className="size-4" aria-hidden />
                  </div>
                  <div className="min-w-0 flex-1">
                    <div className="flex items-center gap-2">
                      <span className="truncate text-sm font-semibold text-zinc-900">{m.name}</span>
                      {m.artifactKind && <Badge tone="accent">{m.artifactKind}</Badge>}
                    </div>
                    <Lineage model={m} all={all} team={team} />
                  </div>
                  <div className="text-right text-xs text-zinc-500">
                    {m.sourceJob && (
                      <Link
                        href={`/t/${team}/jobs/${m.sourceJob.id}`}
                        className="font-medium text-accent-600 hover:text-accent-700"
                      >
                        from job {m.sourceJob.name}
                      </Link>
                    )}
                    <div>{formatRelative(m.createdAt)}</div>
                  </div>
                  <ButtonLink
                    href={`/t/${team}/playground?model=${m.id}`}
                    variant="secondary"
                    size="sm"
                    data-testid="try-in-playground"
                  >
                    <MessagesSquare className="size-3.5" aria-hidden /> Try in playground
                  </ButtonLink>
                  <ButtonLink href={`/t/${team}/jobs/new?base=${m.id}`} variant="secondary" size="sm">
                    Train on top
                  </ButtonLink>
                </li>
              ))}
            </ul>
          )}
        />
      </Card>

      <Card>
        <CardHeader title="Base models" description="Registered by your team or offered by the instance admin." />
        <DataTable
          loading={models.isLoading}
          rows={base}
          skeleton={{ rows: 3, cols: 5 }}
          empty={
            <EmptyState
              icon={Boxes}
              title="No base models"
              description="An instance admin registers Hugging Face ids or local model directories."
            />
          }
          testId="base-models"
          columns={[
            { label: "Name" },
            { label: "Source" },
            { label: "Reference" },
            { label: "Parameters", className: "text-right" },
            { label: "Context", className: "text-right" },
            { label: "Scope" },
          ]}
          row={(m) => (
            <TR key={m.id} data-testid="model-row">
              <TD className="font-medium text-zinc-900">{m.name}</TD>
              <TD>
                <span className="inline-flex items-center gap-1.5 text-zinc-600">
                  {m.source === "huggingface" ? <Globe className="size-3.5" /> : <HardDrive className="size-3.5" />}
                  {m.source === "huggingface" ? "Hugging Face" : "Local"}
                </span>
              </TD>
              <TD className="max-w-xs truncate font-mono text-xs" title={m.ref}>
                {m.ref}
                {m.revision ? `@${m.revision.slice(0, 8)}` : ""}
              </TD>
              <TD className="tabular text-right">{m.parameterCount ? formatCompact(m.parameterCount) : "—"}</TD>
              <TD className="tabular text-right">{m.contextLength ? formatNumber(m.contextLength) : "—"}</TD>
              <TD>
                {m.instanceWide ? (
                  <Badge tone="blue">
                    <Cpu className="size-3" /> instance
                  </Badge>
                ) : (
                  <Badge>team</Badge>
                )}
              </TD>
            </TR>
          )}
        />
      </Card>
    </>
  );
}

function Lineage({ model, all, team }: { model: Model; all: Model[]; team: string }) {
  const chain: { id: string; name: string }[] = [];
  let cur: Model | undefined = model;
  const seen = new Set<string>();
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    chain.unshift({ id: cur.id, name: cur.name });
    const p: Model["parent"] = cur.parent;
    cur = p ? all.find((x) => x.id === p.id) : undefined;
    if (!cur && p) chain.unshift(p);
  }
  return (
    <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs text-zinc-500" data-testid="model-lineage">
      <GitBranch className="size-3.5 text-zinc-400" aria-hidden />
      {chain.map((c, i) => (
        <span key={c.id} className="flex items-center gap-1.5">
          {i > 0 && <span className="text-zinc-300">→</span>}
          <span className={c.id === model.id ? "font-medium text-zinc-800" : undefined}>{c.name}</span>
        </span>
      ))}
      <span className="sr-only">{team}</span>
    </div>
  );
}
