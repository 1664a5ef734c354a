"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { ScrollText } from "lucide-react";
import { useState } from "react";
import { DataTable } from "@/components/data-table";
import { Alert, Badge, Button, Card, EmptyState, Field, Input, PageHeader, Select, TD, TR } from "@/components/ui";
import { formatDateTime } from "@/lib/format";
import { errorInfo, useTRPC } from "@/lib/trpc";
import { AuditDetails } from "./audit-details";

const ACTIONS = [
  "",
  "quota.",
  "quota.set",
  "quota.refused",
  "runner.",
  "api_key.",
  "member.",
  "job.cancelled",
  "dataset.deleted",
  "base_model.registered",
];

export function AuditView() {
  const trpc = useTRPC();
  const quotas = useQuery(trpc.admin.listQuotas.queryOptions());
  const [action, setAction] = useState("");
  const [teamId, setTeamId] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const input = {
    limit: 50,
    ...(action ? { action } : {}),
    ...(teamId ? { teamId } : {}),
    ...(from ? { from: `${from}T00:00:00Z` } : {}),
    // The "to" day is included: the bound is the next midnight.
    ...(to ? { to: new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000).toISOString() } : {}),
  };
  const log = useInfiniteQuery(
    trpc.admin.auditLog.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every admin action and quota refusal, and the teams' own key, member and job actions. Newest first."
      />
      <div className="mb-6 flex flex-wrap gap-4">
        <Field label="Action" htmlFor="audit-action">
          <Select id="audit-action" value={action} onChange={(e) => setAction(e.target.value)}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a === "" ? "all" : a.endsWith(".") ? `${a}*` : a}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Team" htmlFor="audit-team">
          <Select id="audit-team" value={teamId} onChange={(e) => setTeamId(e.target.value)}>
            <option value="">all</option>
            {(quotas.data?.teams ?? []).map((t) => (
              <option key={t.teamId} value={t.teamId}>
                {t.name}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="From" htmlFor="audit-from">
          <Input id="audit-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </Field>
        <Field label="To" htmlFor="audit-to">
          <Input id="audit-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </Field>
      </div>
      {log.error && (
        <Alert className="mb-6" title="Could not load the audit log">
          {errorInfo(log.error).message}
        </Alert>
      )}
      <Card>
        <DataTable
          loading={log.isLoading}
          rows={items}
          skeleton={{ rows: 5, cols: 5 }}
          empty={
            <EmptyState
              icon={ScrollText}
              title="No entries"
              description={
                action || teamId || from || to
                  ? "Nothing matches these filters."
                  : "Admin and team actions appear here."
              }
            />
          }
          testId="audit-table"
          columns={[{ label: "When" }, { label: "Action" }, { label: "Who" }, { label: "Team" }, { label: "Details" }]}
          row={(e) => (
            <TR key={e.id}>
              <TD className="whitespace-nowrap">{formatDateTime(e.createdAt)}</TD>
              <TD>
                <Badge
                  tone={
                    e.action === "quota.refused"
                      ? "red"
                      : e.action.startsWith("runner.") || e.action.startsWith("quota.")
                        ? "violet"
                        : "neutral"
                  }
                >
                  {e.action}
                </Badge>
              </TD>
              <TD className="max-w-56 truncate" title={e.actorEmail ?? undefined}>
                {e.actorEmail ?? <span className="text-zinc-400">—</span>}
              </TD>
              <TD className="whitespace-nowrap">{e.teamName ?? <span className="text-zinc-400">—</span>}</TD>
              <TD className="max-w-md" title={e.details == null ? undefined : JSON.stringify(e.details)}>
                <AuditDetails
                  targetType={e.targetType}
                  targetId={e.targetId}
                  teamId={e.teamId}
                  teamName={e.teamName}
                  teamSlug={e.teamSlug}
                  details={e.details}
                />
              </TD>
            </TR>
          )}
        />
      </Card>
      {log.hasNextPage && (
        <div className="mt-4 text-center">
          <Button variant="secondary" loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
            Load more
          </Button>
        </div>
      )}
    </>
  );
}
