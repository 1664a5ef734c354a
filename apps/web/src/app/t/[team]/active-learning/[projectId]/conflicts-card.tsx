"use client";
/**
 * Rows whose labellers disagree: each shows the text and the labels given (with how many members gave each); a
 * member settles it with one value (a label, or an answer for generation). The members' labels stay as the record.
 */
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Badge, Button, Card, CardHeader, Textarea } from "@/components/ui";
import { errorInfo, useTRPC, type RouterOutputs } from "@/lib/trpc";
import type { Project } from "../_components/strategies";

type Item = RouterOutputs["activeLearning"]["listItems"]["items"][number];

export function ConflictsCard({
  project: p,
  canWrite,
  onChange,
}: {
  project: Project;
  canWrite: boolean;
  onChange: () => void;
}) {
  const trpc = useTRPC();
  const list = useQuery({
    ...trpc.activeLearning.listItems.queryOptions({ projectId: p.id, status: "conflict", limit: 100 }),
    enabled: p.counts.conflict > 0,
  });
  if (p.counts.conflict === 0) return null;
  return (
    <Card data-testid="conflicts">
      <CardHeader
        title={`Conflicts · ${p.counts.conflict}`}
        description="Members labelled these rows differently. Settle each with one value; it is what the model learns."
      />
      <ul className="divide-y divide-zinc-100">
        {(list.data?.items ?? []).map((item) => (
          <ConflictRow key={item.id} item={item} project={p} canWrite={canWrite} onChange={onChange} />
        ))}
      </ul>
    </Card>
  );
}

function ConflictRow(p: { item: Item; project: Project; canWrite: boolean; onChange: () => void }) {
  const trpc = useTRPC();
  const resolve = useMutation(trpc.activeLearning.resolve.mutationOptions({ onSuccess: p.onChange }));
  const tally = new Map<string, number>();
  for (const l of p.item.labels) tally.set(l.value, (tally.get(l.value) ?? 0) + 1);
  const [answer, setAnswer] = useState(p.item.labels[0]?.value ?? "");
  const settle = (value: string) => resolve.mutate({ projectId: p.project.id, itemId: p.item.id, value });
  return (
    <li className="px-5 py-4" data-testid="conflict-row" data-item-id={p.item.id}>
      <div className="mb-1 text-xs text-zinc-400">pool row {p.item.poolRow}</div>
      <p className="line-clamp-3 text-sm whitespace-pre-wrap text-zinc-800">{p.item.text}</p>
      <div className="mt-2 flex flex-wrap items-center gap-1.5 text-xs text-zinc-500">
        Given:
        {[...tally].map(([v, n]) => (
          <Badge key={v} tone="amber" className="max-w-[20rem] truncate">
            {v.length > 60 ? `${v.slice(0, 60)}…` : v} × {n}
          </Badge>
        ))}
      </div>
      {p.project.task === "classification" ? (
        <div className="mt-3 flex flex-wrap gap-1.5">
          {p.project.labels.map((l) => (
            <Button
              key={l.name}
              size="sm"
              variant={tally.has(l.name) ? "secondary" : "ghost"}
              disabled={!p.canWrite || resolve.isPending}
              onClick={() => settle(l.name)}
              data-testid="resolve-with"
            >
              {l.name}
            </Button>
          ))}
        </div>
      ) : (
        <div className="mt-3 space-y-2">
          <Textarea rows={3} value={answer} onChange={(e) => setAnswer(e.target.value)} disabled={!p.canWrite} />
          <Button
            size="sm"
            disabled={!p.canWrite || !answer.trim()}
            loading={resolve.isPending}
            onClick={() => settle(answer)}
          >
            Settle with this answer
          </Button>
        </div>
      )}
      {resolve.error && <p className="mt-2 text-xs font-medium text-red-600">{errorInfo(resolve.error).message}</p>}
    </li>
  );
}
