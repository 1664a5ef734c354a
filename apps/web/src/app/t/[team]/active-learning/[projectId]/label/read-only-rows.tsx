"use client";
/** What a viewer sees on the labelling page: the open rows and the model's guesses, with no way to label. */
import { useQuery } from "@tanstack/react-query";
import { Eye } from "lucide-react";
import { Alert, Badge, Card, Skeleton } from "@/components/ui";
import { useTRPC } from "@/lib/trpc";
import type { Project } from "../../_components/strategies";
import { readPrediction } from "./item-card";

export function ReadOnlyRows({ project: p }: { project: Project }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.activeLearning.listItems.queryOptions({ projectId: p.id, limit: 100 }));
  const open = (list.data?.items ?? []).filter((i) => ["pending", "assigned", "conflict"].includes(i.status));
  return (
    <div className="space-y-4">
      <Alert tone="blue" title="Read-only: you are a viewer of this team" testId="viewer-read-only">
        You can see the rows waiting for a label and what the model guesses. Labelling is for owners and members — the
        platform refuses a viewer&apos;s label.
      </Alert>
      {list.isLoading ? (
        <Skeleton className="h-40 w-full" />
      ) : (
        <Card>
          <ul className="divide-y divide-zinc-100" data-testid="read-only-rows">
            {open.length === 0 && (
              <li className="px-5 py-8 text-center text-sm text-zinc-500">No row is waiting for a label.</li>
            )}
            {open.map((i) => {
              const guess = readPrediction(i.prediction);
              return (
                <li key={i.id} className="px-5 py-3">
                  <div className="mb-1 flex items-center gap-2 text-xs text-zinc-500">
                    <Eye className="size-3.5" aria-hidden /> pool row {i.poolRow}
                    <Badge tone={i.status === "conflict" ? "amber" : "neutral"}>{i.status}</Badge>
                    {guess && "label" in guess && (
                      <span>
                        model: <b className="text-zinc-700">{guess.label}</b> {Math.round(guess.confidence * 100)}%
                      </span>
                    )}
                  </div>
                  <p className="line-clamp-3 text-sm whitespace-pre-wrap text-zinc-800">{i.text}</p>
                </li>
              );
            })}
          </ul>
        </Card>
      )}
    </div>
  );
}
